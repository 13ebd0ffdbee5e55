package dev.kvstore.spring.health;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Logs a store's availability changes as health checks see them: WARN once when it is lost, INFO when it is back. */
final class StoreAvailabilityLog {

    private static final Logger logger = LoggerFactory.getLogger(StoreAvailabilityLog.class);

    private final Supplier<String> store;

    private final AtomicBoolean lost = new AtomicBoolean();

    StoreAvailabilityLog(Supplier<String> store) {
        this.store = store;
    }

    void lost(String reason) {
        if (this.lost.compareAndSet(false, true)) {
            logger.warn("KVStore {} is unavailable: {}", this.store.get(), reason);
        }
    }

    void available() {
        if (this.lost.compareAndSet(true, false)) {
            logger.info("KVStore {} is available again", this.store.get());
        }
    }

}
