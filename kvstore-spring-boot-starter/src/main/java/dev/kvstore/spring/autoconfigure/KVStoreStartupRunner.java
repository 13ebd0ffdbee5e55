package dev.kvstore.spring.autoconfigure;

import dev.kvstore.spring.ManagedKVStore;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.ApplicationArguments;
import org.springframework.boot.ApplicationRunner;
import org.springframework.core.Ordered;

/**
 * Holds the application's start until the auto-configured stores are ready: Spring Boot publishes
 * {@code ReadinessState.ACCEPTING_TRAFFIC} only after its runners, so meanwhile the web server and liveness are up
 * and readiness answers 503 ({@code REFUSING_TRAFFIC}). A store that failed to start fails the application with the
 * starter's failure analysis; a start aborted by shutdown ends this runner quietly. Runs before the application's
 * own runners, which may use the stores.
 */
class KVStoreStartupRunner implements ApplicationRunner, Ordered {

    private final ObjectProvider<ManagedKVStore> stores;

    KVStoreStartupRunner(ObjectProvider<ManagedKVStore> stores) {
        this.stores = stores;
    }

    @Override
    public void run(ApplicationArguments args) throws Exception {
        for (ManagedKVStore store : this.stores.orderedStream().toList()) {
            store.awaitStarted();
        }
    }

    @Override
    public int getOrder() {
        return Ordered.HIGHEST_PRECEDENCE;
    }

}
