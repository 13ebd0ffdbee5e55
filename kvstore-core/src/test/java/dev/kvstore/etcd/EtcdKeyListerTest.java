package dev.kvstore.etcd;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kvstore.api.KeyListing;
import dev.kvstore.api.KeyPage;
import dev.kvstore.api.NaturalOrder;
import dev.kvstore.testing.EtcdServerExtension;
import dev.kvstore.testing.RequiresEtcd;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The etcd listing starts at its cursor's digit group and stops after a full page: every page size must still give
 * exactly the natural order, across groups, keys without digits, leading zeros and prefixes.
 */
@RequiresEtcd
class EtcdKeyListerTest {

    @RegisterExtension
    static final EtcdServerExtension etcd = new EtcdServerExtension();

    static final List<String> KEYS = List.of("a", "a1", "a10", "a2", "a2x", "a02", "a2/y", "ab", "b", "b0", "b9/x",
            "b10", "rank:1/a", "rank:10/a", "rank:2/a", "rank:2/b", "x", "z9", "z10", "z10a", "z9z", "\u00e91");

    @Test
    void everyPageSizeGivesTheNaturalOrder() {
        try (EtcdKVStore store = EtcdKVStore.builder().endpoints(etcd.endpoints())
                .namespace("lister-" + System.nanoTime()).build()) {
            KEYS.forEach(key -> store.set(key, "v"));
            for (String prefix : List.of("", "a", "rank:", "z1", "q")) {
                List<String> expected = new ArrayList<>(KEYS.stream().filter(k -> k.startsWith(prefix)).toList());
                expected.sort(NaturalOrder.INSTANCE);
                for (int limit = 1; limit <= KEYS.size() + 1; limit++) {
                    List<String> listed = new ArrayList<>();
                    String after = null;
                    KeyPage page;
                    do {
                        page = store.capability(KeyListing.class).orElseThrow().listKeys(prefix, after, limit);
                        assertThat(page.keys()).hasSizeLessThanOrEqualTo(limit);
                        listed.addAll(page.keys());
                        after = page.continueAfter();
                    } while (page.hasMore());
                    assertThat(listed).as("prefix '%s', limit %d", prefix, limit).isEqualTo(expected);
                }
            }
        }
    }
}
