package dev.kvstore.api;

import org.jspecify.annotations.Nullable;

/**
 * Lists the keys of a store's component: etcd, and TCPStore with a master that has LIST_KEYS (the Java master and
 * PyTorch 2.10+, with the {@code MODERN} protocol). Obtain it with {@code store.capability(KeyListing.class)}.
 */
public non-sealed interface KeyListing extends KVCapability {

    /**
     * Lists the keys of the component that start with {@code prefix}, relative to the component, in
     * {@link NaturalOrder natural order} ({@code rank:2} before {@code rank:10}), one page at a time: memory is bounded
     * by {@code limit}, however many keys there are.
     *
     * <pre>{@code
     * String after = null;
     * KeyPage page;
     * do {
     *     page = listing.listKeys("rank:", after, 1000);
     *     page.keys().forEach(this::handle);
     *     after = page.continueAfter();
     * } while (page.hasMore());
     * }</pre>
     *
     * <p>etcd reads the range at one revision per page. TCPStore lists with LIST_KEYS; each page transfers the
     * server's whole key list. Pages read at different times: keys added or deleted between pages may or may not
     * appear.
     *
     * @param prefix the prefix of the keys relative to the component; {@code ""} or {@code null} for all keys
     * @param continueAfter the last key of the previous page ({@link KeyPage#continueAfter()}), or {@code null} for
     *     the first page; only keys naturally after it are returned
     * @param limit the most keys to return, at least 1
     */
    KeyPage listKeys(@Nullable String prefix, @Nullable String continueAfter, int limit);
}
