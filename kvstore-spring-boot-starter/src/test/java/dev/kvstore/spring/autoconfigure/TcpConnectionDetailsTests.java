package dev.kvstore.spring.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kvstore.api.KVStore;
import dev.kvstore.spring.ManagedKVStore;
import dev.kvstore.tcp.TcpKVStore;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** {@link TcpConnectionDetails}: where the master is, from the properties by default, or from a bean. */
class TcpConnectionDetailsTests {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(KVStoreAutoConfiguration.class));

    @Test
    void byDefaultTheDetailsAreTheProperties() {
        this.runner.withPropertyValues("kvstore.tcp.host=10.9.8.7", "kvstore.tcp.port=29612", "kvstore.rank=1")
            .run((context) -> {
                assertThat(context).hasSingleBean(TcpConnectionDetails.class)
                    .getBean(TcpConnectionDetails.class)
                    .isInstanceOf(PropertiesTcpConnectionDetails.class);
                TcpConnectionDetails details = context.getBean(TcpConnectionDetails.class);
                assertThat(details.getHost()).isEqualTo("10.9.8.7");
                assertThat(details.getPort()).isEqualTo(29612);
                assertThat(context.getBean(ManagedKVStore.class).endpoint()).isEqualTo("10.9.8.7:29612");
            });
    }

    @Test
    void theTorchrunEnvironmentFillsWhatThePropertiesLeaveUnset() {
        this.runner.withPropertyValues("MASTER_ADDR=10.0.0.9", "MASTER_PORT=29777", "RANK=1")
            .run((context) -> {
                TcpConnectionDetails details = context.getBean(TcpConnectionDetails.class);
                assertThat(details.getHost()).isEqualTo("10.0.0.9");
                assertThat(details.getPort()).isEqualTo(29777);
            });
    }

    @Test
    void aDetailsBeanReplacesThePropertiesAndTheStoreConnectsToItsMaster() {
        TcpKVStore master = TcpKVStore.builder().port(0).master(true).namespace("ns").build();
        try {
            master.set("from-master", "hello");
            // The properties name a port nobody listens on: only the bean's address can work.
            this.runner
                .withPropertyValues("kvstore.rank=1", "kvstore.namespace=ns", "kvstore.tcp.host=192.0.2.1",
                        "kvstore.tcp.port=1", "kvstore.tcp.connect-timeout=20s")
                .withBean(TcpConnectionDetails.class, () -> new Address("127.0.0.1", master.port()))
                .run((context) -> {
                    assertThat(context).hasSingleBean(TcpConnectionDetails.class)
                        .doesNotHaveBean(PropertiesTcpConnectionDetails.class);
                    KVStore store = context.getBean(KVStore.class);
                    assertThat(store.get("from-master")).contains("hello");
                    store.set("from-client", "hi");
                    assertThat(master.get("from-client")).contains("hi");
                    assertThat(context.getBean(ManagedKVStore.class).endpoint())
                        .isEqualTo("127.0.0.1:" + master.port());
                });
        } finally {
            master.close(false);
        }
    }

    @Test
    void aDetailsBeanOnTheMastersProcessIsWhereItsServerBinds() {
        this.runner.withPropertyValues("kvstore.tcp.port=29500")
            .withUserConfiguration(FreePortDetails.class)
            .run((context) -> {
                ManagedKVStore store = context.getBean(ManagedKVStore.class);
                store.set("k", "v");
                int port = ((TcpKVStore) store.delegate()).port();
                assertThat(port).isPositive().isNotEqualTo(29500);
                assertThat(store.endpoint()).isEqualTo("127.0.0.1:" + port + " (master)");
                try (TcpKVStore client = TcpKVStore.builder().port(port).connectTimeout(Duration.ofSeconds(20))
                    .build()) {
                    assertThat(client.get("k")).contains("v");
                }
            });
    }

    record Address(String getHost, int getPort) implements TcpConnectionDetails {

    }

    @Configuration(proxyBeanMethods = false)
    static class FreePortDetails {

        @Bean
        TcpConnectionDetails platformAddress() {
            return new Address("127.0.0.1", 0);
        }

    }

}
