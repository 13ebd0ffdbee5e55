package dev.kvstore.backend;

import dev.kvstore.api.KeyPage;
import dev.kvstore.api.NaturalOrder;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.PriorityQueue;
import org.jspecify.annotations.Nullable;

/**
 * Builds a {@link KeyPage} from keys offered in any order, keeping only the {@code limit} naturally smallest keys
 * after the cursor: memory stays bounded by the limit however many keys are offered. The etcd and TCPStore key
 * listings build their pages with it.
 */
public final class KeyPageCollector {

    private final @Nullable String after;
    private final int limit;
    /** The kept keys, naturally largest first; holds at most limit + 1 (the extra one proves hasMore). */
    private final PriorityQueue<String> kept;

    /**
     * @param after the cursor: only keys naturally after it are kept; {@code null} for the first page
     * @param limit the page size, at least 1
     */
    public KeyPageCollector(@Nullable String after, int limit) {
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be at least 1, got " + limit);
        }
        this.after = after;
        this.limit = limit;
        this.kept = new PriorityQueue<>(Math.min(limit + 1, 1024), Collections.reverseOrder(NaturalOrder.INSTANCE));
    }

    /** Offers a key relative to the component. */
    public void offer(String key) {
        Objects.requireNonNull(key, "key");
        if (after != null && NaturalOrder.INSTANCE.compare(key, after) <= 0) {
            return;
        }
        if (kept.size() <= limit) {
            kept.add(key);
        } else if (NaturalOrder.INSTANCE.compare(key, kept.peek()) < 0) {
            kept.poll();
            kept.add(key);
        }
    }

    /** @return whether a page and one more key are kept: later keys can only replace kept ones */
    public boolean isFull() {
        return kept.size() > limit;
    }

    /** @return the naturally largest key kept, or {@code null} */
    public @Nullable String largest() {
        return kept.peek();
    }

    /** @return the page of the keys offered so far */
    public KeyPage page() {
        List<String> keys = new ArrayList<>(kept);
        keys.sort(NaturalOrder.INSTANCE);
        boolean more = keys.size() > limit;
        return new KeyPage(more ? keys.subList(0, limit) : keys, more);
    }
}
