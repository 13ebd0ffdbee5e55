package dev.kvstore.api;

import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * One page of a key listing ({@link KeyListing#listKeys(String, String, int)}): keys relative to the component, in
 * {@link NaturalOrder natural order}. To read the next page, pass {@link #continueAfter()} as the next call's
 * {@code continueAfter}; {@link #hasMore()} says whether there is one.
 *
 * @param keys the keys of this page, relative to the component, in natural order; at most the requested limit
 * @param hasMore whether keys after the last one of this page existed when the page was read
 */
public record KeyPage(List<String> keys, boolean hasMore) {

    public KeyPage {
        keys = List.copyOf(keys);
    }

    /** @return the cursor of the next page: the last key of this page, or {@code null} if this page is empty */
    public @Nullable String continueAfter() {
        return keys.isEmpty() ? null : keys.get(keys.size() - 1);
    }
}
