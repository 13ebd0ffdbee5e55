package dev.kvstore.internal;

import org.slf4j.Logger;

/**
 * Calls a watch's listener so that a listener that throws cannot end the watch: the failure is logged at WARN (with
 * the prefix watched) and the watch delivers the next changes. Shared by the etcd and TCPStore prefix watches.
 */
public final class WatchListenerCall {

    private WatchListenerCall() {
    }

    /**
     * Runs {@code call}; a {@link RuntimeException} it throws is logged to {@code log} and not rethrown.
     *
     * @param prefix the full prefix the watch is on, named in the log line
     */
    public static void run(Runnable call, Logger log, String prefix) {
        try {
            call.run();
        } catch (RuntimeException e) {
            log.warn("The listener of the watch of '{}' failed; the watch goes on", prefix, e);
        }
    }
}
