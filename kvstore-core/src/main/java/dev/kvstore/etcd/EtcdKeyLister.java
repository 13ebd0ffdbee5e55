package dev.kvstore.etcd;

import dev.kvstore.api.KeyPage;
import dev.kvstore.api.NaturalOrder;
import dev.kvstore.backend.KeyPageCollector;
import dev.kvstore.etcd.access.EtcdAccess;
import dev.kvstore.internal.KeyLayout;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.OptionsUtil;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Pages through etcd's keys, with memory bounded by the page size: {@link #page} for {@code listKeys} (a component's
 * keys in natural order) and {@link #namespacePage} for diagnostics (a namespace's keys in byte order, with the
 * leading bytes of their values).
 *
 * <p>{@link #page} lists keys in natural order from etcd, which returns keys in byte order, with memory bounded by the
 * page size: it reads keys only, in chunks of {@link #CHUNK} at one revision, and keeps the page in a bounded
 * {@link KeyPageCollector}.
 *
 * <p>Natural order differs from byte order only inside runs of digits. So the keys sharing the text before their
 * first digit (a "group", e.g. every {@code rank:<n>/...}) are contiguous in byte order, and groups are in the same
 * order both ways. A page therefore starts reading at the group of its cursor and stops at the first group after a
 * full page: it reads the cursor's group and the groups the page reaches, not the whole component.
 */
final class EtcdKeyLister {

    /** Keys per range request: a few hundred KiB of keys at most, however large the values are. */
    static final int CHUNK = 5000;

    private final KV kv;
    private final EtcdAccess access;

    EtcdKeyLister(KV kv, EtcdAccess access) {
        this.kv = kv;
        this.access = access;
    }

    KeyPage page(KeyLayout layout, String prefix, @Nullable String continueAfter, int limit) {
        String base = layout.componentPrefix();
        String what = "listing of '" + base + prefix + "'";
        byte[] start = utf8(base + prefix);
        if (continueAfter != null) {
            byte[] group = utf8(base + groupOf(continueAfter));
            if (Arrays.compareUnsigned(group, start) > 0) {
                start = group;
            }
        }
        ByteSequence end = OptionsUtil.prefixEndOf(ByteSequence.from(utf8(base + prefix)));
        KeyPageCollector page = new KeyPageCollector(continueAfter, limit);
        long revision = 0;
        while (true) {
            GetOption option = GetOption.builder()
                    .withRange(end)
                    .withKeysOnly(true)
                    .withLimit(CHUNK)
                    .withRevision(revision)
                    .build();
            ByteSequence from = ByteSequence.from(start);
            GetResponse response = access.await(what, () -> kv.get(from, option));
            revision = response.getHeader().getRevision();
            byte @Nullable [] last = null;
            for (KeyValue keyValue : response.getKvs()) {
                byte[] key = keyValue.getKey().getBytes();
                String relative = new String(key, StandardCharsets.UTF_8).substring(base.length());
                if (page.isFull() && isPastGroupOf(relative, page.largest())) {
                    return page.page();
                }
                if (relative.startsWith(prefix)) {
                    page.offer(relative);
                }
                last = key;
            }
            if (!response.isMore() || last == null) {
                return page.page();
            }
            start = Arrays.copyOf(last, last.length + 1); // the next key after 'last' in byte order
        }
    }

    /**
     * A page of the keys under the layout's namespace (every component) in byte order, in one range request.
     *
     * @param after the page starts after this key (relative to the namespace); {@code null} for the first page
     * @param limit most keys, 1..10000
     * @param valueBytes how many leading bytes of each value to include; 0 hides values
     */
    EtcdKeyPage namespacePage(KeyLayout layout, @Nullable String after, int limit, int valueBytes) {
        if (limit < 1 || limit > 10_000) {
            throw new IllegalArgumentException("limit must be in 1..10000, got " + limit);
        }
        if (valueBytes < 0) {
            throw new IllegalArgumentException("valueBytes must not be negative, got " + valueBytes);
        }
        String prefix = layout.namespacePrefix();
        // "\0" appended: the smallest key greater than the last one shown.
        byte[] from = utf8(after == null ? prefix : prefix + after + "\0");
        GetOption page = GetOption.builder()
                .withRange(OptionsUtil.prefixEndOf(ByteSequence.from(utf8(prefix))))
                .withSortField(GetOption.SortTarget.KEY)
                .withSortOrder(GetOption.SortOrder.ASCEND)
                .withLimit(limit + 1L)
                .build();
        GetResponse response = access.await("read of the keys under '" + prefix + "'",
                () -> kv.get(ByteSequence.from(from), page));
        List<EtcdKeyPage.Key> keys = new ArrayList<>();
        for (KeyValue entry : response.getKvs()) {
            if (keys.size() == limit) {
                break;
            }
            byte[] value = entry.getValue().getBytes();
            String shown = valueBytes == 0 ? null
                    : new String(value, 0, Math.min(value.length, valueBytes), StandardCharsets.UTF_8);
            keys.add(new EtcdKeyPage.Key(entry.getKey().toString(StandardCharsets.UTF_8).substring(prefix.length()),
                    value.length, shown, entry.getModRevision()));
        }
        boolean more = response.getKvs().size() > limit;
        return new EtcdKeyPage(keys, more ? keys.get(keys.size() - 1).name() : null,
                response.getHeader().getRevision());
    }

    /** Whether {@code key} sorts after {@code largest} in another group: then so does every key after it in bytes. */
    private static boolean isPastGroupOf(String key, String largest) {
        return NaturalOrder.INSTANCE.compare(key, largest) > 0 && !groupOf(key).equals(groupOf(largest));
    }

    /**
     * @return the text before the first digit: keys of one group share it. A key without digits is a group of its own
     *     but is returned whole, so it may share the text of the digit group after it; treating the two as one group
     *     only makes a page read a little further.
     */
    static String groupOf(String key) {
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            if (c >= '0' && c <= '9') {
                return key.substring(0, i);
            }
        }
        return key;
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
