package dev.kvstore.testing;

import java.util.ArrayList;
import java.util.List;

/**
 * What a test opened and must close after it (stores, connections, processes): {@link #closeAll()} closes every one,
 * last tracked first, even when some fail, and then throws the first failure with the others suppressed. Safe to
 * track from several threads. The fixtures {@link TestScope} and kvstore-core's server fixture are built on it.
 */
public final class TrackedResources {

    private final List<AutoCloseable> tracked = new ArrayList<>();

    /** Closes the resource at {@link #closeAll()} and returns it. */
    public <T extends AutoCloseable> T track(T resource) {
        synchronized (tracked) {
            tracked.add(resource);
        }
        return resource;
    }

    /**
     * Closes everything tracked so far, last tracked first, and forgets it.
     *
     * @throws Exception the first failure to close, with the later ones suppressed, once all were tried
     */
    public void closeAll() throws Exception {
        Exception failure = null;
        synchronized (tracked) {
            for (int i = tracked.size() - 1; i >= 0; i--) {
                try {
                    tracked.get(i).close();
                } catch (Exception e) {
                    if (failure == null) {
                        failure = e;
                    } else {
                        failure.addSuppressed(e);
                    }
                }
            }
            tracked.clear();
        }
        if (failure != null) {
            throw failure;
        }
    }
}
