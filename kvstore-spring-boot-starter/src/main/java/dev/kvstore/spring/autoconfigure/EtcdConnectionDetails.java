package dev.kvstore.spring.autoconfigure;

import java.util.List;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.autoconfigure.service.connection.ConnectionDetails;
import org.springframework.boot.ssl.SslBundle;

/**
 * Details required to connect to an etcd cluster. By default they come from the {@code kvstore.etcd.*} properties;
 * a bean of this type (for example from a {@code @ServiceConnection} etcd test container, or your own) replaces them.
 */
public interface EtcdConnectionDetails extends ConnectionDetails {

    /**
     * Endpoints of the cluster.
     * @return at least one endpoint, e.g. {@code http://127.0.0.1:2379}
     */
    List<String> getEndpoints();

    /**
     * User name for etcd authentication.
     * @return the user name, or {@code null} for none
     */
    default @Nullable String getUsername() {
        return null;
    }

    /**
     * Password for etcd authentication.
     * @return the password, or {@code null} for none
     */
    default @Nullable String getPassword() {
        return null;
    }

    /**
     * TLS key and trust material for the connection, e.g. from {@code kvstore.etcd.ssl.bundle}. The endpoints must
     * then be {@code https://}.
     * @return the SSL bundle, or {@code null} when the connection does not use one (plain HTTP, or TLS from the PEM
     * files of {@code kvstore.etcd.tls.*})
     */
    default @Nullable SslBundle getSslBundle() {
        return null;
    }

}
