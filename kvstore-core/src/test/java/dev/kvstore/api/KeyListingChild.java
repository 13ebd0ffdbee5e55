package dev.kvstore.api;

import dev.kvstore.etcd.EtcdKVStore;
import dev.kvstore.tcp.TcpKVStore;
import java.time.Duration;

/**
 * A child JVM for {@link ListingManyKeysTest}: pages through {@code item/<n>/...} keys with a small heap and checks
 * they come in natural order, numbered 0, 1, 2, ... Prints {@code LISTED <count> <pages>} and exits 0.
 *
 * <p>Arguments: {@code etcd <endpoint> | tcp <port>}, namespace, page size.
 */
public final class KeyListingChild {

    private KeyListingChild() {
    }

    public static void main(String[] args) {
        String namespace = args[2];
        int limit = Integer.parseInt(args[3]);
        try (KVStore store = args[0].equals("etcd")
                ? EtcdKVStore.builder().endpoints(args[1]).connectTimeout(Duration.ofSeconds(30))
                .requestTimeout(Duration.ofSeconds(30)).namespace(namespace)
                        .build()
                : TcpKVStore.builder().port(Integer.parseInt(args[1])).connectTimeout(Duration.ofSeconds(60))
                        .requestTimeout(Duration.ofSeconds(60))
                        .namespace(namespace).build()) {
            long count = 0;
            int pages = 0;
            String after = null;
            KeyPage page;
            do {
                page = store.capability(KeyListing.class).orElseThrow().listKeys("item/", after, limit);
                if (page.keys().size() > limit) {
                    throw new AssertionError("page of " + page.keys().size() + " keys, limit " + limit);
                }
                for (String key : page.keys()) {
                    String expected = "item/" + count + "/";
                    if (!key.startsWith(expected)) {
                        throw new AssertionError("key " + count + " is " + key.substring(0, 20) + "..., expected "
                                + expected);
                    }
                    count++;
                }
                pages++;
                after = page.continueAfter();
            } while (page.hasMore());
            System.out.println("LISTED " + count + " " + pages);
        }
    }
}
