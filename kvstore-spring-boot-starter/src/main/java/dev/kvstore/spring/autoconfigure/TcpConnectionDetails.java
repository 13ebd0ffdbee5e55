package dev.kvstore.spring.autoconfigure;

import org.springframework.boot.autoconfigure.service.connection.ConnectionDetails;

/**
 * Where the TCPStore master is: the address clients connect to and, on the process that hosts the master, the
 * address its server binds. By default it comes from {@code kvstore.tcp.host} and {@code kvstore.tcp.port}, else the
 * torchrun environment ({@code MASTER_ADDR}, {@code MASTER_PORT}), else {@code 127.0.0.1:29500}; a bean of this type
 * (from a platform, or a test) replaces them.
 */
public interface TcpConnectionDetails extends ConnectionDetails {

    /**
     * Host of the master.
     * @return a host name or address, e.g. {@code 10.0.0.7}
     */
    String getHost();

    /**
     * Port of the master.
     * @return the port; 0 only for a master that picks a free port
     */
    int getPort();

}
