package dev.kvstore.spring.actuate.endpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kvstore.api.KVLock;
import dev.kvstore.api.KVStore;
import dev.kvstore.api.Locks;
import dev.kvstore.spring.ManagedKVStore;
import dev.kvstore.spring.actuate.endpoint.KVStoreDescriptor.MasterDescriptor;
import dev.kvstore.spring.autoconfigure.KVStoreAutoConfiguration;
import dev.kvstore.tcp.TcpKVStore;
import dev.kvstore.testing.PythonProcess;
import dev.kvstore.testing.RequiresTorch;
import java.security.Principal;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.CompletableFuture;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.actuate.endpoint.SecurityContext;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * The endpoint of an embedded Java master with real PyTorch 1.13 clients: one blocked in {@code get()} of a key
 * nobody set, one connected and idle.
 */
class KVStoreEndpointTcpTests {

    private static final Duration PYTHON_TIMEOUT = Duration.ofSeconds(90);

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(KVStoreAutoConfiguration.class,
                KVStoreEndpointAutoConfiguration.class))
        .withPropertyValues("kvstore.rank=0", "kvstore.tcp.port=0", "kvstore.tcp.world-size=3",
                "kvstore.tcp.wait-for-workers=false", "kvstore.namespace=job", "kvstore.component=app",
                "management.endpoints.web.exposure.include=kvstore");

    private final List<PythonProcess> peers = new ArrayList<>();

    @AfterEach
    void stopPeers() {
        this.peers.forEach(PythonProcess::close);
    }

    private PythonProcess torchPeer(int port, String key) throws InterruptedException {
        PythonProcess peer = PythonProcess.start("torch_client_registered_peer.py", "127.0.0.1", port, 3, key);
        this.peers.add(peer);
        peer.awaitLine("READY"::equals, PYTHON_TIMEOUT);
        return peer;
    }

    @RequiresTorch
    @Test
    void showsTheClientsTheMissingKeyAndTheRegistrationsUntilTheKeyIsSet() {
        this.runner.run((context) -> {
            KVStore store = context.getBean(KVStore.class);
            int port = ((TcpKVStore) context.getBean(ManagedKVStore.class).delegate()).port();
            PythonProcess waiting = torchPeer(port, "late");
            waiting.awaitLine("WAITING"::equals, PYTHON_TIMEOUT);
            torchPeer(port, "-");
            KVStoreEndpoint endpoint = context.getBean(KVStoreEndpoint.class);
            await().atMost(PYTHON_TIMEOUT).until(() -> !master(endpoint).missing().isEmpty());

            KVStoreDescriptor descriptor = endpoint.kvstore(SecurityContext.NONE, null, null);
            assertThat(descriptor.backend()).isEqualTo("tcp");
            assertThat(descriptor.namespace()).isEqualTo("job");
            assertThat(descriptor.component()).isEqualTo("app");
            assertThat(descriptor.error()).isNull();
            MasterDescriptor master = descriptor.master();
            assertThat(master.worldSize()).isEqualTo(3);
            assertThat(master.initRegistrations()).as("the master itself and the two torch clients").isEqualTo(3);
            assertThat(master.missing()).singleElement().satisfies((missing) -> {
                assertThat(missing.name()).isEqualTo("/late");
                assertThat(missing.waiters()).isEqualTo(1);
                assertThat(missing.waitingClients()).singleElement().asString().startsWith("127.0.0.1:");
            });
            assertThat(master.clients()).filteredOn((client) -> !client.waits().isEmpty()).singleElement()
                .satisfies((client) -> {
                    assertThat(client.protocol()).isEqualTo("LEGACY");
                    assertThat(client.waits().get(0).keys()).containsExactly("/late");
                });
            // Java's own client plus two connections per torch 1.13 client (store and watch-callback sockets).
            assertThat(master.clientCount()).isGreaterThanOrEqualTo(5);
            assertThat(master.pendingWaitCount()).isEqualTo(1);

            // The Java store writes "/job/app/late", not the "/late" torch waits for: still missing.
            store.set("late", "x");
            assertThat(master(endpoint).missing()).extracting(KVStoreDescriptor.MissingKeyDescriptor::name)
                .containsExactly("/late");
            // Set by another torch client, the key is no longer missing and the waiting client got it.
            PythonProcess setter = PythonProcess.start("torch_client_registered_peer.py", "127.0.0.1", port, 3,
                    "late", "here");
            this.peers.add(setter);
            setter.awaitLine("SET"::equals, PYTHON_TIMEOUT);
            assertThat(waiting.awaitLineStartingWith("GOT=", PYTHON_TIMEOUT)).isEqualTo("here");
            await().atMost(PYTHON_TIMEOUT).untilAsserted(() -> {
                MasterDescriptor after = master(endpoint);
                assertThat(after.missing()).isEmpty();
                assertThat(after.pendingWaitCount()).isZero();
                assertThat(after.ended()).first().satisfies((ended) -> {
                    assertThat(ended.keys()).containsExactly("/late");
                    assertThat(ended.outcome()).isEqualTo("resolved");
                });
            });
        });
    }

    /**
     * A master that waits for its workers (the default) is described from the moment it listens: the registrations
     * so far and the clients, while the store is not ready; no error.
     */
    @RequiresTorch
    @Test
    void showsTheMasterWhileTheRendezvousWaitsForTheWorkers() {
        this.runner.withPropertyValues("kvstore.tcp.wait-for-workers=true").run((context) -> {
            ManagedKVStore managed = context.getBean(ManagedKVStore.class);
            KVStoreEndpoint endpoint = context.getBean(KVStoreEndpoint.class);
            await().atMost(PYTHON_TIMEOUT).until(() -> managed.startup().backend().isPresent());
            int port = ((TcpKVStore) managed.startup().backend().get()).port();
            torchPeer(port, "-");
            await().atMost(PYTHON_TIMEOUT)
                .until(() -> endpoint.kvstore(SecurityContext.NONE, null, null).master().initRegistrations() == 2);

            KVStoreDescriptor waiting = endpoint.kvstore(SecurityContext.NONE, null, null);
            assertThat(managed.startup().isReady()).isFalse();
            assertThat(waiting.startup()).isEqualTo("waiting for 3 processes to register (kvstore.tcp.world-size)");
            assertThat(waiting.error()).isNull();
            assertThat(waiting.endpoint()).isEqualTo("127.0.0.1:" + port + " (master)");
            assertThat(waiting.master().worldSize()).isEqualTo(3);
            assertThat(waiting.master().clients()).extracting(KVStoreDescriptor.ClientDescriptor::remoteAddress)
                .allSatisfy((address) -> assertThat(address).startsWith("127.0.0.1:"));
            assertThat(waiting.master().clients()).filteredOn((client) -> "LEGACY".equals(client.protocol()))
                .as("the torch rank's store socket").isNotEmpty();

            torchPeer(port, "-");
            managed.awaitStarted();
            KVStoreDescriptor ready = endpoint.kvstore(SecurityContext.NONE, null, null);
            assertThat(ready.startup()).isEqualTo("ready");
            assertThat(ready.master().initRegistrations()).isEqualTo(3);
        });
    }

    @Test
    void showsThisProcesssPendingWaitsWithKeyAndAgeUntilTheyReturn() {
        this.runner.run((context) -> {
            KVStore store = context.getBean(KVStore.class);
            KVStoreEndpoint endpoint = context.getBean(KVStoreEndpoint.class);
            CompletableFuture<byte[]> waiting = CompletableFuture
                .supplyAsync(() -> store.withComponent("rdzv").waitForKey("late", Duration.ofSeconds(60)));
            await().atMost(Duration.ofSeconds(20))
                .untilAsserted(() -> assertThat(endpoint.kvstore(SecurityContext.NONE, 1, null).waits()).singleElement()
                    .satisfies((wait) -> {
                        assertThat(wait.operation()).isEqualTo("waitForKey");
                        assertThat(wait.component()).isEqualTo("rdzv");
                        assertThat(wait.key()).isEqualTo("late");
                        assertThat(wait.thread()).isNotBlank();
                        assertThat(Instant.parse(wait.since())).isBeforeOrEqualTo(Instant.now());
                        assertThat(wait.ageMillis()).isNotNegative();
                    }));
            try (KVLock.Hold hold = store.capability(Locks.class).orElseThrow().lock("leader")
                    .acquire(Duration.ofSeconds(20))) {
                assertThat(endpoint.kvstore(SecurityContext.NONE, 1, null).recipes().locks())
                    .anySatisfy((lock) -> {
                        assertThat(lock.name()).isEqualTo("leader");
                        assertThat(lock.fencingToken()).isEqualTo(hold.fencingToken());
                        assertThat(lock.thread()).isEqualTo(Thread.currentThread().getName());
                    });
            }
            assertThat(endpoint.kvstore(SecurityContext.NONE, 1, null).recipes().locks())
                .noneSatisfy((lock) -> assertThat(lock.name()).isEqualTo("leader"));
            store.withComponent("rdzv").set("late", "now");
            assertThat(waiting.get(20, TimeUnit.SECONDS)).isEqualTo("now".getBytes());
            assertThat(endpoint.kvstore(SecurityContext.NONE, 1, null).waits()).as("gone once returned").isEmpty();
        });
    }

    @Test
    void pagesKeysAndHidesValuesUnlessShowValuesAllows() {
        this.runner.run((context) -> {
            KVStore store = context.getBean(KVStore.class);
            for (String key : List.of("c", "a", "b")) {
                store.set(key, "secret " + key);
            }
            KVStoreEndpoint endpoint = context.getBean(KVStoreEndpoint.class);
            KVStoreDescriptor first = endpoint.kvstore(SecurityContext.NONE, 2, null);
            assertThat(first.valuesShown()).isFalse();
            // The store's keys travel as "/{namespace}/{component}/{key}", as torch's do, in byte order before the
            // "init/" key the master registered under (world size 3).
            assertThat(first.master().keys()).extracting(KVStoreDescriptor.KeyDescriptor::name)
                .containsExactly("/job/app/a", "/job/app/b");
            assertThat(first.master().keys()).allSatisfy((key) -> {
                assertThat(key.value()).isNull();
                assertThat(key.size()).isEqualTo("secret a".length());
            });
            KVStoreDescriptor second = endpoint.kvstore(SecurityContext.NONE, 2, first.master().nextKeysAfter());
            assertThat(second.master().keys()).extracting(KVStoreDescriptor.KeyDescriptor::name)
                .containsExactly("/job/app/c", "init/");
            assertThat(second.master().nextKeysAfter()).as("the last page").isNull();
        });
        this.runner.withPropertyValues("management.endpoint.kvstore.show-values=always").run((context) -> {
            context.getBean(KVStore.class).set("a", "secret a");
            KVStoreDescriptor shown = context.getBean(KVStoreEndpoint.class).kvstore(SecurityContext.NONE, 1, null);
            assertThat(shown.valuesShown()).isTrue();
            assertThat(shown.master().keys()).singleElement()
                .satisfies((key) -> assertThat(key.value()).isEqualTo("secret a"));
        });
        this.runner
            .withPropertyValues("management.endpoint.kvstore.show-values=when-authorized",
                    "management.endpoint.kvstore.roles=ops")
            .run((context) -> {
                context.getBean(KVStore.class).set("a", "secret a");
                KVStoreEndpoint endpoint = context.getBean(KVStoreEndpoint.class);
                assertThat(endpoint.kvstore(SecurityContext.NONE, 1, null).valuesShown()).isFalse();
                assertThat(endpoint.kvstore(user("ops"), 1, null).master().keys()).singleElement()
                    .satisfies((key) -> assertThat(key.value()).isEqualTo("secret a"));
                assertThat(endpoint.kvstore(user("dev"), 1, null).valuesShown()).isFalse();
            });
    }

    private static MasterDescriptor master(KVStoreEndpoint endpoint) {
        return endpoint.kvstore(SecurityContext.NONE, 0, null).master();
    }

    private static SecurityContext user(String role) {
        return new SecurityContext() {
            @Override
            public Principal getPrincipal() {
                return () -> "someone";
            }

            @Override
            public boolean isUserInRole(String candidate) {
                return candidate.equals(role);
            }
        };
    }

}
