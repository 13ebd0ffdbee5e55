package dev.kvstore.etcd;

import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A page of the keys under a store's namespace, from {@link EtcdKVStore#namespaceKeys}. Immutable.
 *
 * @param keys the keys in byte order, relative to the namespace ({@code {component}/{key}})
 * @param nextAfter the key to pass as {@code after} for the next page; {@code null} if this page is the last
 * @param revision the etcd revision the page was read at
 */
public record EtcdKeyPage(List<Key> keys, @Nullable String nextAfter, long revision) {

    public EtcdKeyPage {
        keys = List.copyOf(keys);
    }

    /**
     * One key.
     *
     * @param name the key relative to the namespace
     * @param size the value's length in bytes
     * @param value the value's leading bytes as UTF-8 text; {@code null} unless values were asked for
     * @param modRevision the revision of its last change
     */
    public record Key(String name, int size, @Nullable String value, long modRevision) {

        public Key {
            Objects.requireNonNull(name, "name");
        }
    }
}
