package dev.kvstore.spring.autoconfigure;

import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;

/**
 * Adapts {@code kvstore.tcp.host} and {@code kvstore.tcp.port} to {@link TcpConnectionDetails}, falling back to the
 * torchrun environment ({@code MASTER_ADDR}, {@code MASTER_PORT}), then to {@code 127.0.0.1:29500}.
 */
class PropertiesTcpConnectionDetails implements TcpConnectionDetails {

    static final String DEFAULT_HOST = "127.0.0.1";

    static final int DEFAULT_PORT = 29500;

    private final String host;

    private final int port;

    /**
     * @throws InvalidConfigurationPropertyValueException if {@code kvstore.tcp.host} is blank
     */
    PropertiesTcpConnectionDetails(KVStoreProperties.Tcp properties, TorchrunEnvironment torchrun) {
        String host = properties.getHost();
        if (host != null && host.isBlank()) {
            throw new InvalidConfigurationPropertyValueException("kvstore.tcp.host", host, "must not be empty");
        }
        this.host = (host != null) ? host : (torchrun.masterAddr() != null) ? torchrun.masterAddr() : DEFAULT_HOST;
        this.port = (properties.getPort() != null) ? properties.getPort()
                : (torchrun.masterPort() != null) ? torchrun.masterPort() : DEFAULT_PORT;
    }

    @Override
    public String getHost() {
        return this.host;
    }

    @Override
    public int getPort() {
        return this.port;
    }

}
