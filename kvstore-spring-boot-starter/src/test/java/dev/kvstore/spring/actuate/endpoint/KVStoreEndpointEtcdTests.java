package dev.kvstore.spring.actuate.endpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kvstore.api.KVStore;
import dev.kvstore.api.KVWatch;
import dev.kvstore.api.KeyWatches;
import dev.kvstore.spring.ManagedKVStore;
import dev.kvstore.spring.actuate.endpoint.KVStoreDescriptor.EtcdDescriptor;
import dev.kvstore.spring.autoconfigure.KVStoreAutoConfiguration;
import dev.kvstore.testing.EtcdServer;
import dev.kvstore.testing.RequiresEtcd;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.actuate.endpoint.SecurityContext;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/** The endpoint against a real etcd: the cluster's status and paged keys under the namespace, values hidden. */
@RequiresEtcd
class KVStoreEndpointEtcdTests {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(KVStoreAutoConfiguration.class,
                KVStoreEndpointAutoConfiguration.class))
        .withPropertyValues("kvstore.backend=etcd", "kvstore.etcd.request-timeout=5s", "kvstore.namespace=job",
                "kvstore.component=app", "management.endpoints.web.exposure.include=kvstore");

    @Test
    void describesTheClusterAndPagesTheNamespacesKeys() {
        try (EtcdServer server = EtcdServer.start()) {
            this.runner.withPropertyValues("kvstore.etcd.endpoints=" + server.endpoint()).run((context) -> {
                KVStore store = context.getBean(KVStore.class);
                for (String key : List.of("c", "a", "b")) {
                    store.set(key, "secret " + key);
                }
                store.withComponent("other").set("z", "elsewhere");
                KVStoreEndpoint endpoint = context.getBean(KVStoreEndpoint.class);

                KVStoreDescriptor first = endpoint.kvstore(SecurityContext.NONE, 2, null);
                assertThat(first.backend()).isEqualTo("etcd");
                assertThat(first.error()).isNull();
                assertThat(first.master()).isNull();
                EtcdDescriptor etcd = first.etcd();
                assertThat(etcd.members()).containsExactly(server.endpoint());
                assertThat(etcd.answeredBy()).isEqualTo(server.endpoint());
                assertThat(etcd.leaderId()).as("a single member leads itself").isEqualTo(etcd.memberId())
                    .isNotEqualTo("0");
                assertThat(etcd.revision()).isGreaterThanOrEqualTo(5);
                assertThat(etcd.version()).isNotBlank();
                assertThat(etcd.keys()).extracting(KVStoreDescriptor.KeyDescriptor::name)
                    .containsExactly("app/a", "app/b");
                assertThat(etcd.keys()).allSatisfy((key) -> {
                    assertThat(key.value()).isNull();
                    assertThat(key.size()).isEqualTo("secret a".length());
                });

                EtcdDescriptor second = endpoint.kvstore(SecurityContext.NONE, 2, etcd.nextKeysAfter()).etcd();
                assertThat(second.keys()).extracting(KVStoreDescriptor.KeyDescriptor::name)
                    .containsExactly("app/c", "other/z");
                assertThat(second.nextKeysAfter()).isNull();

                assertThat(etcd.clusterMembers()).singleElement().satisfies((member) -> {
                    assertThat(member.clientUrls()).contains(server.endpoint());
                    assertThat(member.leader()).isTrue();
                    assertThat(member.id()).isEqualTo(etcd.memberId());
                    assertThat(member.learner()).isFalse();
                });
                assertThat(etcd.watches()).isEmpty();
                try (KVWatch watch = store.capability(KeyWatches.class).orElseThrow().watch("rank/",
                        new IgnoringListener())) {
                    assertThat(endpoint.kvstore(SecurityContext.NONE, 1, null).etcd().watches())
                        .containsExactly("app/rank/");
                }
                await().atMost(Duration.ofSeconds(10)).untilAsserted(
                        () -> assertThat(endpoint.kvstore(SecurityContext.NONE, 1, null).etcd().watches()).isEmpty());
            });
        }
    }

    private static final class IgnoringListener implements KVWatch.Listener {

        @Override
        public void onReset(Map<String, byte[]> state, long revision, String reason) {
        }

        @Override
        public void onChanges(List<KVWatch.Change> changes) {
        }

    }

    @Test
    void reportsAnUnreachableClusterAsAnErrorWithinItsTimeout() {
        try (EtcdServer server = EtcdServer.start()) {
            this.runner
                // The store's own request timeout stays at 5 s: a 2 s deadline on its first call (the connection
                // check) was missed on a loaded machine; the endpoint is bounded by its own timeout.
                .withPropertyValues("kvstore.etcd.endpoints=" + server.endpoint(),
                        "management.endpoint.kvstore.timeout=2s")
                .run((context) -> {
                    context.getBean(ManagedKVStore.class).awaitStarted();
                    server.stop();
                    KVStoreDescriptor descriptor = context.getBean(KVStoreEndpoint.class)
                        .kvstore(SecurityContext.NONE, null, null);
                    assertThat(descriptor.error()).isNotBlank();
                    assertThat(descriptor.etcd()).isNull();
                    assertThat(descriptor.namespace()).isEqualTo("job");
                });
        }
    }

}
