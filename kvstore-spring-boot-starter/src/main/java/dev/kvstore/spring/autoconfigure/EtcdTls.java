package dev.kvstore.spring.autoconfigure;

import dev.kvstore.etcd.EtcdKVStore;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.ssl.SslBundle;

/**
 * Applies the TLS settings of the etcd connection to the builder: an SSL bundle from the connection details
 * ({@code kvstore.etcd.ssl.bundle}, or a connection details bean), else the PEM files of {@code kvstore.etcd.tls.*}.
 */
final class EtcdTls {

    private EtcdTls() {
    }

    static void apply(@Nullable SslBundle bundle, KVStoreProperties.Etcd.Tls pemFiles, EtcdKVStore.Builder builder) {
        if (bundle != null) {
            if (pemFiles.getCaCertificate() != null || pemFiles.getClientCertificate() != null) {
                throw new IllegalStateException("etcd TLS is configured twice: by an SSL bundle"
                        + " (kvstore.etcd.ssl.bundle or EtcdConnectionDetails) and by kvstore.etcd.tls.*;"
                        + " remove one of them");
            }
            // A bundle with only a trust store still has a (empty) key manager factory: present no client certificate.
            boolean hasClientKey = bundle.getStores().getKeyStore() != null;
            builder.tls(bundle.getManagers().getTrustManagerFactory(),
                    hasClientKey ? bundle.getManagers().getKeyManagerFactory() : null);
            return;
        }
        if (pemFiles.getCaCertificate() != null) {
            builder.caCertificate(pemFiles.getCaCertificate());
        }
        if (pemFiles.getClientCertificate() != null) {
            builder.clientCertificate(pemFiles.getClientCertificate(), pemFiles.getClientKey());
        }
    }

}
