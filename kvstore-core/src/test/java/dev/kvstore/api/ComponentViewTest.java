package dev.kvstore.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

import dev.kvstore.internal.KeyLayout;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/**
 * A component view runs the backend's operations on its owner: it has no list of them to forget, so a capability
 * (listing, locks, watches, ephemeral keys) works on views exactly as on the owner, with the view's layout.
 */
class ComponentViewTest {

    @Test
    void aViewHasNoBackendOperationsOfItsOwn() {
        assertThat(AbstractKVStore.class).isAssignableFrom(TinyBackend.class);
        assertThat(AbstractKVStore.class.isAssignableFrom(ComponentView.class))
            .as("a view is no backend, so it cannot miss one of the backend's operations").isFalse();
        List<String> spi = Arrays.stream(AbstractKVStore.class.getDeclaredMethods())
            .filter(method -> Modifier.isProtected(method.getModifiers()) && !Modifier.isFinal(method.getModifiers()))
            .map(Method::getName)
            .toList();
        assertThat(spi).as("the backend operations").contains("doSet", "listing", "locks", "watches",
            "ephemeralKeys");
        assertThat(Arrays.stream(ComponentView.class.getDeclaredMethods()).map(Method::getName))
            .doesNotContainAnyElementsOf(spi);
    }

    @Test
    void everyOperationOfAViewRunsOnTheOwnerWithTheViewsLayout() {
        TinyBackend owner = new TinyBackend();
        KVStore view = owner.withComponent("other");

        view.set("k", "v");
        assertThat(owner.values).containsOnlyKeys("ns/other/k");
        assertThat(view.get("k")).contains("v");
        assertThat(view.exists("k")).isTrue();
        assertThat(view.add("n", 2)).isEqualTo(2);
        assertThat(view.compareAndSet("c", null, new byte[] {1})).isTrue();
        assertThat(view.waitForKey("k", Duration.ZERO)).isEqualTo("v".getBytes());
        assertThat(view.waitForValue("k", "v", Duration.ZERO)).isEqualTo("v".getBytes());
        assertThat(view.waitForKeys(KeysQuery.matching("k", 1), Duration.ZERO)).containsExactly("k");
        assertThat(view.capability(KeyListing.class).orElseThrow().listKeys(null, null, 10).keys())
            .containsExactly("c", "k", "n");
        EphemeralKeys ephemeralKeys = view.capability(EphemeralKeys.class).orElseThrow();
        ephemeralKeys.setEphemeral("e", "x");
        assertThat(owner.ephemeral).containsExactly("ns/other/e");
        KVLock lock = view.capability(Locks.class).orElseThrow().lock("l");
        assertThat(owner.lockedBy).containsExactly(Map.entry("other/l", view));
        assertThat(view.capability(Locks.class).orElseThrow().lock("l")).as("one lock per name and view")
            .isSameAs(lock);
        assertThat(view.capability(KeyWatches.class).orElseThrow().watch("p", new KVWatch.Listener() {
            @Override
            public void onReset(Map<String, byte[]> state, long revision, String reason) {
            }

            @Override
            public void onChanges(List<KVWatch.Change> changes) {
            }
        }).prefix()).isEqualTo("p");
        assertThat(owner.watched).containsExactly("other:p");
        List<String> lost = new ArrayList<>();
        ephemeralKeys.onLeaseLoss(lost::add);
        owner.leaseLoss.accept("lease");
        assertThat(lost).containsExactly("lease");
        assertThat(view.delete("k")).isTrue();
        assertThat(view.withComponent("third").component()).isEqualTo("third");
    }

    @Test
    void aCapabilityTheBackendLacksIsEmptyOnTheOwnerAndItsViews() {
        TinyBackend owner = new TinyBackend();
        owner.offersWatches = false;
        assertThat(owner.capability(KeyWatches.class)).isEmpty();
        assertThat(owner.withComponent("other").capability(KeyWatches.class)).isEmpty();
        assertThat(owner.withComponent("other").capability(KeyListing.class)).isPresent();
    }

    @Test
    void aCapabilityRefusesOnceItsStoreIsClosed() {
        TinyBackend owner = new TinyBackend();
        KVStore view = owner.withComponent("other");
        KeyListing listing = view.capability(KeyListing.class).orElseThrow();
        view.close();
        assertThatIllegalStateException().isThrownBy(() -> listing.listKeys("", null, 1))
            .withMessageContaining("closed");
        assertThatIllegalStateException().isThrownBy(() -> view.capability(Locks.class))
            .withMessageContaining("closed");
    }

    @Test
    void closingAViewLeavesTheOwnerOpen() {
        TinyBackend owner = new TinyBackend();
        KVStore view = owner.withComponent("other");
        view.close();
        assertThatIllegalStateException().isThrownBy(() -> view.set("k", "v")).withMessageContaining("closed");
        owner.set("k", "v");
        assertThat(owner.closes).isZero();
        owner.close();
        owner.close();
        assertThat(owner.closes).as("closed once").isEqualTo(1);
    }

    /** A map as a backend: enough to see which operations reach it, and with which keys. */
    private static final class TinyBackend extends AbstractKVStore {

        final Map<String, byte[]> values = new ConcurrentHashMap<>();
        final List<String> ephemeral = new ArrayList<>();
        final Map<String, KVStore> lockedBy = new ConcurrentHashMap<>();
        final List<String> watched = new ArrayList<>();
        Consumer<String> leaseLoss = name -> { };
        boolean offersWatches = true;
        int closes;

        TinyBackend() {
            super("ns", "main");
        }

        @Override
        protected void doSet(String fullKey, byte[] value) {
            values.put(fullKey, value);
        }

        @Override
        protected Optional<byte[]> doGet(String fullKey) {
            return Optional.ofNullable(values.get(fullKey));
        }

        @Override
        protected boolean doExists(String fullKey) {
            return values.containsKey(fullKey);
        }

        @Override
        protected boolean doDelete(String fullKey) {
            return values.remove(fullKey) != null;
        }

        @Override
        protected byte[] doWaitForKey(String fullKey, Duration timeout) {
            return values.get(fullKey);
        }

        @Override
        protected byte[] doWaitForValue(String fullKey, byte[] expected, Duration timeout) {
            return values.get(fullKey);
        }

        @Override
        protected List<String> doWaitForKeys(KVStore view, KeyPattern pattern, int expectedCount,
                byte @Nullable [] value, Duration timeout, @Nullable List<String> candidateKeys) {
            return values.keySet().stream().map(keysOf(view)::relativeKey)
                .filter(key -> key != null && pattern.matches(key)).toList();
        }

        @Override
        protected long doAdd(String fullKey, long delta) {
            long sum = doGet(fullKey).map(bytes -> Long.parseLong(new String(bytes))).orElse(0L) + delta;
            values.put(fullKey, Long.toString(sum).getBytes());
            return sum;
        }

        @Override
        protected boolean doCompareAndSet(String fullKey, byte @Nullable [] expected, byte[] desired) {
            return expected == null && values.putIfAbsent(fullKey, desired) == null;
        }

        @Override
        protected Optional<KeyListing> listing(KVStore view) {
            return Optional.of((prefix, continueAfter, limit) -> new KeyPage(values.keySet().stream()
                .map(keysOf(view)::relativeKey).filter(key -> key != null && key.startsWith(prefix))
                .sorted(NaturalOrder.INSTANCE).toList(), false));
        }

        @Override
        protected Optional<EphemeralKeys> ephemeralKeys(KVStore view) {
            return Optional.of(new EphemeralKeys() {
                @Override
                public void setEphemeralBytes(String key, byte[] value) {
                    ephemeral.add(keysOf(view).fullKey(key));
                }

                @Override
                public void onLeaseLoss(Consumer<String> listener) {
                    leaseLoss = listener;
                }
            });
        }

        @Override
        protected Optional<KeyWatches> watches(KVStore view) {
            if (!offersWatches) {
                return Optional.empty();
            }
            return Optional.of((prefix, listener) -> {
                watched.add(view.component() + ":" + prefix);
                return new KVWatch() {
                    @Override
                    public String prefix() {
                        return prefix;
                    }

                    @Override
                    public void close() {
                    }
                };
            });
        }

        @Override
        protected Optional<Locks> locks(KVStore view) {
            return Optional.of(name -> {
                lockedBy.put(view.component() + "/" + name, view);
                return new NamedLock(name);
            });
        }

        @Override
        protected void doClose(boolean cleanup) {
            closes++;
        }

        private static KeyLayout keysOf(KVStore view) {
            return KeyLayout.of(view.namespace(), view.component());
        }
    }

    /** A lock that only knows its name: the test checks who creates locks, not what they do. */
    private record NamedLock(String name) implements KVLock {

        @Override
        public Hold acquire(Duration timeout) {
            throw new UnsupportedOperationException("not used");
        }

        @Override
        public Optional<Hold> tryAcquire(Duration timeout) {
            return Optional.empty();
        }

        @Override
        public boolean isHeldByCurrentThread() {
            return false;
        }
    }
}
