package dev.kvstore.sample;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kvstore.testing.EtcdServerExtension;
import dev.kvstore.testing.RequiresEtcd;
import java.net.http.HttpResponse;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Two instances of the app as TCPStore gateways of one job ({@code --kvstore.tcp.master=true
 * --kvstore.tcp.server.store=etcd --kvstore.etcd.endpoints=...}): each is a master whose keys live in a real etcd, so
 * what one writes the other reads, a barrier spans both, and the keys outlive the instance that wrote them.
 */
@RequiresEtcd
class GatewaysTest {

    @RegisterExtension
    static final EtcdServerExtension etcd = new EtcdServerExtension();

    private final String namespace = "sample-gateways-" + UUID.randomUUID();
    private ConfigurableApplicationContext first;
    private ConfigurableApplicationContext second;

    @BeforeEach
    void startTwoGateways() {
        first = start();
        second = start();
    }

    @AfterEach
    void stopGateways() {
        if (second != null) {
            second.close();
        }
        if (first != null) {
            first.close();
        }
    }

    private ConfigurableApplicationContext start() {
        return new SpringApplicationBuilder(SampleApplication.class).run(
                "--server.port=0",
                "--kvstore.tcp.master=true",
                "--kvstore.tcp.port=0",
                "--kvstore.namespace=" + namespace,
                "--kvstore.tcp.server.store=etcd",
                "--kvstore.etcd.endpoints=" + String.join(",", etcd.endpoints()));
    }

    private static Http http(ConfigurableApplicationContext context) {
        return new Http(((WebServerApplicationContext) context).getWebServer().getPort());
    }

    @Test
    void whatOneGatewayWritesTheOtherReadsAndAThirdStillReadsAfterTheWriterStopped() {
        assertThat(http(first).put("/kv/handshake", "through the first gateway").statusCode()).isEqualTo(204);
        HttpResponse<String> read = http(second).get("/kv/handshake");
        assertThat(read.statusCode()).isEqualTo(200);
        assertThat(read.body()).isEqualTo("through the first gateway");

        first.close();
        first = start();
        assertThat(http(first).get("/kv/handshake").body()).isEqualTo("through the first gateway");
    }

    @Test
    void aBarrierSpansBothGateways() throws Exception {
        CompletableFuture<HttpResponse<String>> one =
                CompletableFuture.supplyAsync(() -> http(first).post("/barriers/start?parties=2&timeoutSeconds=30"));
        HttpResponse<String> two = http(second).post("/barriers/start?parties=2&timeoutSeconds=30");
        assertThat(two.statusCode()).isEqualTo(200);
        assertThat(one.get(30, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
    }
}
