package dev.kvstore.recipes;

import dev.kvstore.api.KVElection;
import dev.kvstore.api.KVLock;
import java.time.Duration;
import java.util.OptionalLong;

/**
 * A {@link KVElection} made of a {@link KVLock}.
 *
 * @deprecated use {@link KVElection#overLock(String, KVLock, KVElection.Listener)}; the election moved into the API
 *     package, which must not depend on the recipes
 */
@Deprecated
public final class LockElection implements KVElection {

    /** How often a leader checks that it still holds the lock. */
    public static final Duration CHECK_INTERVAL = Duration.ofMillis(100);

    private final KVElection campaign;

    private LockElection(KVElection campaign) {
        this.campaign = campaign;
    }

    /** Starts campaigning for the name with the lock. */
    public static LockElection start(String name, KVLock lock, Listener listener) {
        return new LockElection(KVElection.overLock(name, lock, listener));
    }

    @Override
    public String name() {
        return campaign.name();
    }

    @Override
    public boolean isLeader() {
        return campaign.isLeader();
    }

    @Override
    public OptionalLong term() {
        return campaign.term();
    }

    @Override
    public void close() {
        campaign.close();
    }

    @Override
    public String toString() {
        return campaign.toString();
    }
}
