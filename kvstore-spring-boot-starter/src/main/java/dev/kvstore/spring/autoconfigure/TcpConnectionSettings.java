package dev.kvstore.spring.autoconfigure;

import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;

/**
 * Where and how the TCPStore connects, resolved from the {@code kvstore.*} properties, then the torchrun
 * environment, then the defaults: 127.0.0.1:29500, rank 0, no world size, master on rank 0.
 */
record TcpConnectionSettings(String host, int port, @Nullable Integer worldSize, boolean master, ProcessRole role) {

    static final String DEFAULT_HOST = "127.0.0.1";

    static final int DEFAULT_PORT = 29500;

    /**
     * @throws InvalidConfigurationPropertyValueException if the resolved settings contradict each other
     */
    static TcpConnectionSettings resolve(KVStoreProperties properties, TorchrunEnvironment torchrun) {
        ProcessRole role = ProcessRole.of(properties, torchrun);
        KVStoreProperties.Tcp tcp = properties.getTcp();
        String host = (tcp.getHost() != null) ? tcp.getHost()
                : (torchrun.masterAddr() != null) ? torchrun.masterAddr() : DEFAULT_HOST;
        int port = (tcp.getPort() != null) ? tcp.getPort()
                : (torchrun.masterPort() != null) ? torchrun.masterPort() : DEFAULT_PORT;
        Integer worldSize = (tcp.getWorldSize() != null) ? tcp.getWorldSize() : torchrun.worldSize();
        boolean master = (tcp.getMaster() != null) ? tcp.getMaster() : role.rank() == 0;
        // A world size below 1 is the builder's to reject (naming kvstore.tcp.world-size).
        if (worldSize != null && worldSize >= 1 && role.rank() >= worldSize) {
            throw new InvalidConfigurationPropertyValueException("kvstore.rank", role.rank(),
                    "must be less than the world size " + worldSize);
        }
        return new TcpConnectionSettings(host, port, worldSize, master, role);
    }

    /** @return {@code host:port}, marked {@code (master)} where this process hosts it; a free port is not known yet */
    String endpoint() {
        return this.host + ":" + ((this.port != 0) ? this.port : "(free port)") + (this.master ? " (master)" : "");
    }

}
