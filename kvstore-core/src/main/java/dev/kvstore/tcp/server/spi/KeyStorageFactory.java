package dev.kvstore.tcp.server.spi;

/**
 * Opens the {@link KeyStorage} of a {@link dev.kvstore.tcp.server.TcpStoreServer} when the server starts (SPI).
 * The server closes the storage when it closes.
 */
@FunctionalInterface
public interface KeyStorageFactory {

    /**
     * Connects the storage and starts reporting changes; may block (the server is starting, no client is served yet).
     *
     * @param listener told of every change to the stored keys from now on, by this server or any other
     * @return the open storage
     * @throws RuntimeException if the storage cannot be reached; its message names what to check, and the server
     *     does not start
     */
    KeyStorage open(KeyChangeListener listener);
}
