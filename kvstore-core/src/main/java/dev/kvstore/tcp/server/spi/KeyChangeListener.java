package dev.kvstore.tcp.server.spi;

import java.util.List;

/**
 * What a {@link KeyStorage} tells its server about changes to the stored keys (SPI): the server wakes the waits and
 * WATCH_KEY callbacks of its own clients from them. Called on the storage's threads, one call at a time, in the order
 * the changes happened; must not block.
 */
public interface KeyChangeListener {

    /** Changes to the keys, by this server or any other, in the order they happened. */
    void changed(List<KeyChange> changes);

    /**
     * Changes may have been missed (the storage's change feed broke or lost history): the server reads again what its
     * pending waits wait for. Also called while the feed is down, so that waits keep being checked.
     *
     * @param reason what happened, for the log
     */
    void gap(String reason);
}
