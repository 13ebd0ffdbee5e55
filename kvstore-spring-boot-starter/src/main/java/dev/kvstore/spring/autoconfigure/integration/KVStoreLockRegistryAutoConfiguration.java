package dev.kvstore.spring.autoconfigure.integration;

import dev.kvstore.api.KVStore;
import dev.kvstore.spring.autoconfigure.KVStoreAutoConfiguration;
import dev.kvstore.spring.autoconfigure.KVStoreProperties;
import dev.kvstore.spring.integration.KVStoreLockRegistry;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.task.support.TaskExecutorAdapter;
import org.springframework.integration.leader.DefaultCandidate;
import org.springframework.integration.support.leader.LockRegistryLeaderInitiator;
import org.springframework.integration.support.locks.LockRegistry;

/**
 * {@link EnableAutoConfiguration Auto-configuration} of a {@link KVStoreLockRegistry}: Spring Integration's
 * {@link LockRegistry} backed by the auto-configured {@link KVStore}, when spring-integration-core is on the
 * classpath and no other {@link LockRegistry} bean is defined. Its locks live in the store's namespace and component
 * under {@code locks/{name}/}.
 *
 * <p>With {@code kvstore.integration.leader.enabled=true}, also a {@link LockRegistryLeaderInitiator} campaigning
 * for {@code kvstore.integration.leader.role} over that registry: the processes of one namespace and component elect
 * one leader, and each publishes Spring Integration's {@code OnGrantedEvent} / {@code OnRevokedEvent} as it gains
 * and loses leadership.
 */
@AutoConfiguration(after = KVStoreAutoConfiguration.class)
@ConditionalOnClass(LockRegistry.class)
@ConditionalOnBean(KVStore.class)
public final class KVStoreLockRegistryAutoConfiguration {

    private static final Logger logger = LoggerFactory.getLogger(KVStoreLockRegistryAutoConfiguration.class);

    KVStoreLockRegistryAutoConfiguration() {
    }

    @Bean
    @ConditionalOnMissingBean(LockRegistry.class)
    KVStoreLockRegistry kvStoreLockRegistry(KVStore store) {
        return new KVStoreLockRegistry(store);
    }

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnProperty(name = "kvstore.integration.leader.enabled", havingValue = "true")
    static final class LeaderConfiguration {

        /** Started and stopped with the context (SmartLifecycle): stopping revokes leadership and frees the lock. */
        @Bean
        @ConditionalOnMissingBean
        LockRegistryLeaderInitiator kvStoreLeaderInitiator(LockRegistry<?> lockRegistry, KVStoreProperties properties) {
            String role = properties.getIntegration().getLeader().getRole();
            return new LeaderInitiator(lockRegistry, new DefaultCandidate(UUID.randomUUID().toString(), role));
        }
    }

    /**
     * The initiator whose destruction waits for its campaign's thread to end: stopping only interrupts that thread,
     * which then revokes and unlocks through the store, so the store (destroyed after this bean) must still be open
     * then; otherwise a TCPStore lock would stay held by a leader that is gone.
     */
    static final class LeaderInitiator extends LockRegistryLeaderInitiator {

        /** Bound of the wait for the campaign's last calls (one unlock, bounded by the store's request timeout). */
        static final Duration CAMPAIGN_END = Duration.ofSeconds(60);

        private final ExecutorService campaign;

        private final String role;

        LeaderInitiator(LockRegistry<?> lockRegistry, DefaultCandidate candidate) {
            this(lockRegistry, candidate, Executors.newSingleThreadExecutor((task) -> {
                Thread thread = new Thread(task, "kvstore-leader-" + candidate.getRole());
                thread.setDaemon(true);
                return thread;
            }));
        }

        private LeaderInitiator(LockRegistry<?> lockRegistry, DefaultCandidate candidate, ExecutorService campaign) {
            super(lockRegistry, candidate);
            this.campaign = campaign;
            this.role = candidate.getRole();
            setTaskExecutor(new TaskExecutorAdapter(campaign));
        }

        @Override
        public void destroy() {
            super.destroy();
            this.campaign.shutdown();
            boolean ended;
            try {
                ended = this.campaign.awaitTermination(CAMPAIGN_END.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                ended = false;
            }
            if (!ended) {
                logger.warn("The leader campaign for '{}' did not end within {} of its stop; its lock may stay held "
                        + "in the store", this.role, CAMPAIGN_END);
            }
        }
    }
}
