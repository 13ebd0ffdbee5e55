package dev.kvstore.etcd;

import dev.kvstore.api.KeyLayout;
import dev.kvstore.api.KeyPage;
import dev.kvstore.api.NaturalOrder;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.OptionsUtil;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Lists a page of keys in natural order from etcd, which returns keys in byte order, with memory bounded by the page
 * size: it reads keys only, in chunks of {@link #CHUNK} at one revision, and keeps the page in a bounded
 * {@link KeyPage.Collector}.
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
    private final EtcdCalls calls;

    EtcdKeyLister(KV kv, EtcdCalls calls) {
        this.kv = kv;
        this.calls = calls;
    }

    KeyPage page(KeyLayout layout, String prefix, String continueAfter, int limit) {
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
        KeyPage.Collector page = new KeyPage.Collector(continueAfter, limit);
        long revision = 0;
        while (true) {
            GetOption option = GetOption.builder()
                    .withRange(end)
                    .withKeysOnly(true)
                    .withLimit(CHUNK)
                    .withRevision(revision)
                    .build();
            GetResponse response = calls.await(what, kv.get(ByteSequence.from(start), option));
            revision = response.getHeader().getRevision();
            byte[] last = null;
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
