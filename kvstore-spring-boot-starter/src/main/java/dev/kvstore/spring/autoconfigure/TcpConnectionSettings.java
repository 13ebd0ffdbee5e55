package dev.kvstore.spring.autoconfigure;

import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;

/**
 * Where and how the TCPStore connects: the master's address from the {@link TcpConnectionDetails}, the world size and
 * the role from the {@code kvstore.*} properties, then the torchrun environment, then the defaults (no world size,
 * master on rank 0).
 */
record TcpConnectionSettings(String host, int port, @Nullable Integer worldSize, boolean master, ProcessRole role) {

    /**
     * @throws InvalidConfigurationPropertyValueException if the resolved settings contradict each other
     */
    static TcpConnectionSettings resolve(KVStoreProperties properties, TcpConnectionDetails connectionDetails,
            TorchrunEnvironment torchrun) {
        ProcessRole role = ProcessRole.of(properties, torchrun);
        KVStoreProperties.Tcp tcp = properties.getTcp();
        Integer worldSize = (tcp.getWorldSize() != null) ? tcp.getWorldSize() : torchrun.worldSize();
        boolean master = (tcp.getMaster() != null) ? tcp.getMaster() : role.rank() == 0;
        // A world size below 1 is the builder's to reject (naming kvstore.tcp.world-size).
        if (worldSize != null && worldSize >= 1 && role.rank() >= worldSize) {
            throw new InvalidConfigurationPropertyValueException("kvstore.rank", role.rank(),
                    "must be less than the world size " + worldSize);
        }
        if (connectionDetails.getPort() == 0 && !master) {
            throw new InvalidConfigurationPropertyValueException("kvstore.tcp.port", 0,
                    "port 0 (a free port) is only valid for a master (kvstore.tcp.master)");
        }
        return new TcpConnectionSettings(connectionDetails.getHost(), connectionDetails.getPort(), worldSize, master,
                role);
    }

    /** @return {@code host:port}, marked {@code (master)} where this process hosts it; a free port is not known yet */
    String endpoint() {
        return this.host + ":" + ((this.port != 0) ? this.port : "(free port)") + (this.master ? " (master)" : "");
    }

}
