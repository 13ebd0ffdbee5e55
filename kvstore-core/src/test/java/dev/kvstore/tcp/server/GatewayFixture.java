package dev.kvstore.tcp.server;

import dev.kvstore.etcd.EtcdKVStore;
import dev.kvstore.tcp.gateway.EtcdServerStore;
import dev.kvstore.tcp.protocol.TcpProtocol;
import dev.kvstore.testing.EtcdServerExtension;
import io.grpc.ClientInterceptor;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Gateways of one test on one fresh etcd prefix, each on port 0 with gRPC interceptors of the test's choice on its own
 * etcd connection, and raw connections to them; {@link #close()} stops them all, the newest first.
 */
final class GatewayFixture implements AutoCloseable {

    private final EtcdServerExtension etcd;
    private final String prefix;
    private final List<AutoCloseable> resources = new ArrayList<>();

    GatewayFixture(EtcdServerExtension etcd, String name) {
        this.etcd = etcd;
        this.prefix = name + "/" + UUID.randomUUID() + "/";
    }

    String prefix() {
        return prefix;
    }

    /** @return a started gateway whose etcd connection runs through {@code interceptors} */
    TcpStoreServer gateway(ClientInterceptor... interceptors) {
        TcpStoreServer server = TcpStoreServer.builder().port(0)
                .store(EtcdServerStore.of(EtcdKVStore.builder().endpoints(etcd.endpoints())
                        .requestTimeout(Duration.ofSeconds(10))
                        .customizeClient(client -> List.of(interceptors).forEach(client::interceptor)), prefix))
                .build().start();
        resources.add(server);
        return server;
    }

    WireConnection connect(TcpStoreServer server) throws IOException {
        WireConnection connection = WireConnection.open(server.port(), TcpProtocol.MODERN);
        resources.add(connection);
        return connection;
    }

    @Override
    public void close() throws Exception {
        for (int i = resources.size() - 1; i >= 0; i--) {
            resources.get(i).close();
        }
    }
}
