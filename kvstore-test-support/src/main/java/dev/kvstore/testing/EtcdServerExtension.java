package dev.kvstore.testing;

import java.util.Arrays;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * One real etcd per test class: starts an {@link EtcdServer} before the class's tests and stops it (and deletes its
 * data) after them. When the environment variable {@value #ENDPOINTS_ENV} is set (comma-separated URLs), those
 * endpoints are used instead and no server is started.
 *
 * <pre>{@code
 * @RegisterExtension
 * static final EtcdServerExtension etcd = new EtcdServerExtension();
 * ... EtcdKVStore.builder().endpoints(etcd.endpoints()) ...
 * }</pre>
 *
 * <p>With {@code @ExtendWith(EtcdServerExtension.class)}, test and lifecycle methods get the extension (or the
 * {@link EtcdServer}) as a parameter. Register it on a static field: an instance field only sees per-test callbacks.
 */
public final class EtcdServerExtension implements BeforeAllCallback, AfterAllCallback, ParameterResolver {

    /** Comma-separated endpoints of an existing etcd to test against instead of starting one. */
    public static final String ENDPOINTS_ENV = "KVSTORE_TEST_ETCD_ENDPOINTS";

    private @Nullable EtcdServer server;
    private @Nullable List<String> endpoints;
    private int depth;

    @Override
    public synchronized void beforeAll(ExtensionContext context) {
        if (depth++ > 0) {
            return; // a @Nested class shares the outer class's server
        }
        String external = System.getenv(ENDPOINTS_ENV);
        if (external != null && !external.isBlank()) {
            endpoints = Arrays.stream(external.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
        } else {
            server = EtcdServer.start();
            endpoints = List.of(server.endpoint());
        }
    }

    @Override
    public synchronized void afterAll(ExtensionContext context) {
        if (--depth > 0) {
            return;
        }
        if (server != null) {
            server.close();
            server = null;
        }
        endpoints = null;
    }

    /** @return the client endpoints of the etcd under test */
    public synchronized List<String> endpoints() {
        if (endpoints == null) {
            throw new IllegalStateException("the etcd server is not started: register " + getClass().getSimpleName()
                    + " on a static field with @RegisterExtension, or use @ExtendWith");
        }
        return endpoints;
    }

    /** @return the first client endpoint */
    public String endpoint() {
        return endpoints().get(0);
    }

    /** @return whether the endpoints come from {@value #ENDPOINTS_ENV} rather than a server this extension runs */
    public synchronized boolean isExternal() {
        return endpoints != null && server == null;
    }

    /**
     * @return the server this extension runs, for tests that stop or restart it; such tests are skipped (aborted)
     *     when {@value #ENDPOINTS_ENV} points at an external etcd
     */
    public synchronized EtcdServer server() {
        endpoints();
        Assumptions.assumeTrue(server != null, "needs a local etcd; " + ENDPOINTS_ENV + " points at an external one");
        return server;
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        Class<?> type = parameter.getParameter().getType();
        return type == EtcdServerExtension.class || type == EtcdServer.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == EtcdServer.class ? server() : this;
    }

    @Override
    public String toString() {
        return "EtcdServerExtension" + (endpoints == null ? "[not started]" : endpoints);
    }
}
