package dev.kvstore.api;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A {@link KVWatch.Listener} for tests: records what a watch delivers ({@code "reset [keys] (reason)"},
 * {@code "PUT key=value"}, {@code "DELETE key="}), the keys it knows now, the revisions and the threads it was called on.
 */
public class WatchRecorder implements KVWatch.Listener {

    public final List<String> log = Collections.synchronizedList(new ArrayList<>());
    public final Set<String> keys = Collections.synchronizedSet(new TreeSet<>());
    public final Set<String> threads = Collections.synchronizedSet(new TreeSet<>());
    public final List<Long> revisions = Collections.synchronizedList(new ArrayList<>());

    /** @return a recorder whose {@code onChanges} blocks until the latch opens (at most 60 s): a slow listener */
    public static WatchRecorder blockedUntil(CountDownLatch release) {
        return new WatchRecorder() {
            @Override
            public void onChanges(List<KVWatch.Change> changes) {
                try {
                    release.await(60, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                super.onChanges(changes);
            }
        };
    }

    @Override
    public void onReset(Map<String, byte[]> state, long revision, String reason) {
        threads.add(Thread.currentThread().getName());
        log.add("reset " + state.keySet() + " (" + reason + ")");
        keys.clear();
        keys.addAll(state.keySet());
    }

    @Override
    public void onChanges(List<KVWatch.Change> changes) {
        threads.add(Thread.currentThread().getName());
        for (KVWatch.Change change : changes) {
            log.add(change.type() + " " + change.key() + "=" + new String(change.value(), StandardCharsets.UTF_8));
            revisions.add(change.revision());
            if (change.type() == KVWatch.ChangeType.PUT) {
                keys.add(change.key());
            } else {
                keys.remove(change.key());
            }
        }
    }

    /** @return how many resets were delivered whose line contains the text (a reason, typically) */
    public long resetsContaining(String text) {
        synchronized (log) {
            return log.stream().filter(line -> line.startsWith("reset ") && line.contains(text)).count();
        }
    }
}
