package dev.kvstore.testing;

import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * What one test owns: a key namespace no other test (or earlier run against the same server) uses, a thread pool, and
 * the stores and clients it opened. After the test the pool is shut down (the test fails if its tasks do not end within
 * the termination bound), then what was tracked is closed, last opened first.
 *
 * <pre>{@code
 * @RegisterExtension
 * final TestScope test = new TestScope("fault");
 * ... EtcdKVStore store = test.track(EtcdKVStore.builder().endpoints(etcd.endpoints()).namespace(test.namespace())...
 * }</pre>
 *
 * <p>Register it on an instance field (one scope per test).
 */
public final class TestScope implements BeforeEachCallback, AfterEachCallback {

    private final String prefix;
    private final Duration poolTermination;
    private final ExecutorService pool = Executors.newCachedThreadPool();
    private final TrackedResources tracked = new TrackedResources();
    private @Nullable String namespace;

    /** A scope whose namespaces start with the prefix and whose pool must terminate within 10 seconds. */
    public TestScope(String prefix) {
        this(prefix, Duration.ofSeconds(10));
    }

    /** A scope whose namespaces start with the prefix and whose pool must terminate within the bound. */
    public TestScope(String prefix, Duration poolTermination) {
        this.prefix = prefix;
        this.poolTermination = poolTermination;
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        namespace = prefix + "-" + context.getRequiredTestMethod().getName() + "-" + System.nanoTime();
    }

    @Override
    public void afterEach(ExtensionContext context) throws Exception {
        pool.shutdownNow();
        boolean terminated = pool.awaitTermination(poolTermination.toMillis(), TimeUnit.MILLISECONDS);
        Exception closing = null;
        try {
            tracked.closeAll();
        } catch (Exception e) {
            closing = e;
        }
        if (!terminated) {
            AssertionError stuck = new AssertionError("the test's pool tasks still ran " + poolTermination
                    + " after shutdownNow()");
            if (closing != null) {
                stuck.addSuppressed(closing);
            }
            throw stuck;
        }
        if (closing != null) {
            throw closing;
        }
    }

    /** @return this test's namespace: {@code {prefix}-{test method}-{nanoTime}} */
    public String namespace() {
        if (namespace == null) {
            throw new IllegalStateException("no test is running: register " + getClass().getSimpleName()
                    + " on an instance field with @RegisterExtension");
        }
        return namespace;
    }

    /** @return a cached thread pool for this test, shut down after it */
    public ExecutorService pool() {
        return pool;
    }

    /** Closes the resource after the test (last tracked, first closed) and returns it. */
    public <T extends AutoCloseable> T track(T resource) {
        return tracked.track(resource);
    }
}
