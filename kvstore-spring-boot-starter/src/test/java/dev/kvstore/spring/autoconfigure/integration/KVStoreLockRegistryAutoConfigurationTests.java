package dev.kvstore.spring.autoconfigure.integration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.kvstore.api.KVStore;
import dev.kvstore.spring.autoconfigure.KVStoreAutoConfiguration;
import dev.kvstore.spring.integration.KVStoreLockRegistry;
import dev.kvstore.spring.metrics.KVStoreRecipeMetrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Lock;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.integration.leader.Context;
import org.springframework.integration.leader.DefaultCandidate;
import org.springframework.integration.support.leader.LockRegistryLeaderInitiator;
import org.springframework.integration.support.locks.DefaultLockRegistry;
import org.springframework.integration.support.locks.LockRegistry;

/** The {@link LockRegistry} auto-configuration, against a real TCPStore master (the auto-configured default). */
class KVStoreLockRegistryAutoConfigurationTests {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(KVStoreAutoConfiguration.class,
                KVStoreLockRegistryAutoConfiguration.class))
        .withPropertyValues("kvstore.tcp.port=0");

    @Test
    void lockRegistryIsBackedByTheStore() {
        this.runner.run((context) -> {
            assertThat(context).hasSingleBean(KVStoreLockRegistry.class);
            LockRegistry<?> registry = context.getBean(LockRegistry.class);
            Lock lock = registry.obtain("job");
            assertThat(registry.obtain("job")).isSameAs(lock);
            assertThat(lock.tryLock()).isTrue();
            assertThat(lock.tryLock()).as("re-entrant").isTrue();
            var otherThread = Executors.newSingleThreadExecutor();
            try {
                assertThat(otherThread.submit(() -> lock.tryLock(200, TimeUnit.MILLISECONDS)).get(30, TimeUnit.SECONDS))
                    .isFalse();
                lock.unlock();
                lock.unlock();
                assertThatThrownBy(lock::unlock).isInstanceOf(IllegalMonitorStateException.class);
                Future<Boolean> taken = otherThread.submit(() -> {
                    boolean got = lock.tryLock(10, TimeUnit.SECONDS);
                    lock.unlock();
                    return got;
                });
                assertThat(taken.get(30, TimeUnit.SECONDS)).isTrue();
            } finally {
                otherThread.shutdownNow();
            }
            KVStore store = context.getBean(KVStore.class);
            assertThat(store.get("locks/job/owner")).as("the lock lives in the store").isPresent();
            assertThatThrownBy(() -> registry.obtain(42)).isInstanceOf(IllegalArgumentException.class);
        });
    }

    @Test
    void expiryForgetsUnusedLocksAndKeepsHeldOnes() {
        this.runner.run((context) -> {
            KVStoreLockRegistry registry = context.getBean(KVStoreLockRegistry.class);
            Lock unused = registry.obtain("unused");
            unused.lock();
            unused.unlock();
            Lock heldHere = registry.obtain("held-here");
            heldHere.lock();
            Lock heldElsewhere = registry.obtain("held-by-another-thread");
            var otherThread = Executors.newSingleThreadExecutor();
            try {
                assertThat(otherThread.submit(() -> heldElsewhere.tryLock()).get(30, TimeUnit.SECONDS)).isTrue();

                registry.expireUnusedOlderThan(Duration.ofHours(1).toMillis());
                assertThat(registry.obtain("unused")).as("used within the hour").isSameAs(unused);

                registry.expireUnusedOlderThan(0);
                Lock renewed = registry.obtain("unused");
                assertThat(renewed).as("forgotten").isNotSameAs(unused);
                assertThat(registry.obtain("held-here")).as("held by this thread").isSameAs(heldHere);
                assertThat(registry.obtain("held-by-another-thread")).as("held by another thread")
                    .isSameAs(heldElsewhere);
                assertThat(renewed.tryLock()).as("a forgotten lock is obtained anew and works").isTrue();
                renewed.unlock();

                otherThread.submit(heldElsewhere::unlock).get(30, TimeUnit.SECONDS);
                heldHere.unlock();
                registry.expireUnusedOlderThan(0);
                assertThat(registry.obtain("held-here")).as("unlocked, then expired").isNotSameAs(heldHere);
                assertThat(registry.obtain("held-by-another-thread")).isNotSameAs(heldElsewhere);
            } finally {
                otherThread.shutdownNow();
            }
        });
    }

    @Test
    void renewalChecksTheHoldInTheStore() {
        this.runner.run((context) -> {
            KVStoreLockRegistry registry = context.getBean(KVStoreLockRegistry.class);
            assertThatThrownBy(() -> registry.renewLock("job")).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("not held by this thread");
            Lock lock = registry.obtain("job");
            lock.lock();
            registry.renewLock("job");
            assertThatThrownBy(() -> registry.renewLock("job", Duration.ofMinutes(1)))
                .isInstanceOf(UnsupportedOperationException.class)
                .hasMessageContaining("store's lease")
                .hasMessageContaining("held until unlocked");
            var otherThread = Executors.newSingleThreadExecutor();
            try {
                assertThatThrownBy(() -> otherThread.submit(() -> registry.renewLock("job")).get(30, TimeUnit.SECONDS))
                    .as("another thread does not hold it").hasCauseInstanceOf(IllegalStateException.class);
            } finally {
                otherThread.shutdownNow();
            }
            KVStore store = context.getBean(KVStore.class);
            assertThat(store.delete("locks/job/owner")).as("someone frees the lock behind its holder's back").isTrue();
            assertThatThrownBy(() -> registry.renewLock("job")).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("lost in the store");
            assertThatThrownBy(lock::unlock).isInstanceOf(IllegalStateException.class);
        });
    }

    @Test
    void lockRegistryLeaderInitiatorElectsThroughTheStore() {
        this.runner.run((context) -> {
            LockRegistry<?> registry = context.getBean(LockRegistry.class);
            List<String> events = new CopyOnWriteArrayList<>();
            DefaultCandidate candidate = new DefaultCandidate("me", "leadership") {
                @Override
                public void onGranted(Context ctx) {
                    events.add("granted");
                }

                @Override
                public void onRevoked(Context ctx) {
                    events.add("revoked");
                }
            };
            LockRegistryLeaderInitiator initiator = new LockRegistryLeaderInitiator(registry, candidate);
            initiator.setHeartBeatMillis(100);
            initiator.setBusyWaitMillis(100);
            initiator.start();
            try {
                await().atMost(Duration.ofSeconds(30)).until(() -> events.contains("granted"));
                assertThat(initiator.getContext().isLeader()).isTrue();
                Lock sameLock = registry.obtain("leadership");
                var otherThread = Executors.newSingleThreadExecutor();
                try {
                    assertThat(otherThread.submit(() -> sameLock.tryLock()).get(30, TimeUnit.SECONDS))
                        .as("held by the leader").isFalse();
                } finally {
                    otherThread.shutdownNow();
                }
            } finally {
                initiator.stop();
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> events.contains("revoked"));
            var otherThread = Executors.newSingleThreadExecutor();
            try {
                Lock released = registry.obtain("leadership");
                assertThat(otherThread.submit(() -> {
                    boolean got = released.tryLock(10, TimeUnit.SECONDS);
                    released.unlock();
                    return got;
                }).get(30, TimeUnit.SECONDS)).as("the stopped leader released every hold").isTrue();
            } finally {
                otherThread.shutdownNow();
            }
        });
    }

    @Test
    void heldLocksShowInTheMetrics() {
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        new KVStoreRecipeMetrics().bindTo(meters);
        this.runner.run((context) -> {
            Lock lock = context.getBean(LockRegistry.class).obtain("metered");
            double before = meters.get(KVStoreRecipeMetrics.HELD_LOCKS).gauge().value();
            lock.lock();
            lock.lock();
            assertThat(meters.get(KVStoreRecipeMetrics.HELD_LOCKS).gauge().value()).isEqualTo(before + 1);
            lock.unlock();
            lock.unlock();
            assertThat(meters.get(KVStoreRecipeMetrics.HELD_LOCKS).gauge().value()).isEqualTo(before);
        });
    }

    @Test
    void noLockRegistryWithoutSpringIntegration() {
        this.runner.withClassLoader(new FilteredClassLoader(LockRegistry.class))
            .run((context) -> assertThat(context).doesNotHaveBean(KVStoreLockRegistry.class));
    }

    @Test
    void backsOffForTheApplicationsOwnLockRegistry() {
        this.runner.withBean(LockRegistry.class, DefaultLockRegistry::new)
            .run((context) -> {
                assertThat(context).hasSingleBean(LockRegistry.class);
                assertThat(context).doesNotHaveBean(KVStoreLockRegistry.class);
            });
    }
}
