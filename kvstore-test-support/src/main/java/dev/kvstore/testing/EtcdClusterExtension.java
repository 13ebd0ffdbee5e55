package dev.kvstore.testing;

import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One real multi-member {@link EtcdCluster} per test class: started before the class's tests, stopped (and its data
 * deleted) after them. Register it on a static field:
 *
 * <pre>{@code
 * @RegisterExtension
 * static final EtcdClusterExtension etcd = new EtcdClusterExtension(3);
 * ... etcd.cluster().endpoints() ...
 * }</pre>
 */
public final class EtcdClusterExtension implements BeforeAllCallback, AfterAllCallback {

    private final int size;
    private @Nullable EtcdCluster cluster;

    public EtcdClusterExtension(int size) {
        this.size = size;
    }

    @Override
    public synchronized void beforeAll(ExtensionContext context) {
        cluster = EtcdCluster.start(size);
    }

    @Override
    public synchronized void afterAll(ExtensionContext context) {
        if (cluster != null) {
            cluster.close();
            cluster = null;
        }
    }

    /** @return the running cluster */
    public synchronized EtcdCluster cluster() {
        if (cluster == null) {
            throw new IllegalStateException("the etcd cluster is not started: register " + getClass().getSimpleName()
                    + " on a static field with @RegisterExtension");
        }
        return cluster;
    }
}
