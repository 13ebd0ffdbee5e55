package dev.kvstore.spring.autoconfigure;

import dev.kvstore.etcd.EtcdKVStore;
import java.io.IOException;
import java.io.InputStream;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.boot.io.ApplicationResourceLoader;
import org.springframework.boot.ssl.SslBundle;
import org.springframework.boot.ssl.pem.PemContent;
import org.springframework.boot.ssl.pem.PemSslStore;
import org.springframework.boot.ssl.pem.PemSslStoreBundle;
import org.springframework.core.io.Resource;
import org.springframework.core.io.ResourceLoader;

/**
 * TLS of the etcd connection. One path: the PEM files of {@code kvstore.etcd.tls.*} are read (from any Spring resource
 * location, a packaged jar included) into an {@link SslBundle}, like {@code kvstore.etcd.ssl.bundle}'s, and either
 * bundle gives the builder its trust and key managers.
 */
final class EtcdTls {

    private EtcdTls() {
    }

    /**
     * @return the PEM files of {@code kvstore.etcd.tls.*} as an SSL bundle, or {@code null} when no CA certificate is
     *     set (no TLS from these properties)
     * @throws InvalidConfigurationPropertyValueException naming the property whose resource cannot be read or holds
     *     no certificate or key, or a client certificate without its key (or the reverse)
     */
    static @Nullable SslBundle fromPemResources(KVStoreProperties.Etcd.Tls tls, ResourceLoader resourceLoader) {
        String ca = tls.getCaCertificate();
        String clientCertificate = tls.getClientCertificate();
        String clientKey = tls.getClientKey();
        // Plain paths are files (not class path or servlet context resources), as for spring.ssl.bundle.pem.*.
        ResourceLoader locations = ApplicationResourceLoader.get(resourceLoader, true);
        if (ca == null) {
            if (clientCertificate != null || clientKey != null) {
                throw new InvalidConfigurationPropertyValueException("kvstore.etcd.tls.ca-certificate", null,
                        "must be set for mutual TLS (kvstore.etcd.tls.client-certificate and client-key are set)");
            }
            return null;
        }
        if ((clientCertificate == null) != (clientKey == null)) {
            String missing = (clientKey == null) ? "kvstore.etcd.tls.client-key"
                    : "kvstore.etcd.tls.client-certificate";
            throw new InvalidConfigurationPropertyValueException(missing, null, "mutual TLS needs both "
                    + "kvstore.etcd.tls.client-certificate and kvstore.etcd.tls.client-key");
        }
        PemSslStore trust = PemSslStore.of(certificates("kvstore.etcd.tls.ca-certificate", locations, ca), null);
        PemSslStore keys = (clientCertificate != null && clientKey != null)
                ? PemSslStore.of(certificates("kvstore.etcd.tls.client-certificate", locations, clientCertificate),
                        privateKey("kvstore.etcd.tls.client-key", locations, clientKey))
                : null;
        return SslBundle.of(new PemSslStoreBundle(keys, trust));
    }

    /** Gives the builder the bundle's trust managers and, where it holds a client key, its key managers. */
    static void apply(SslBundle bundle, EtcdKVStore.Builder builder) {
        // A bundle with only a trust store still has a (empty) key manager factory: present no client certificate.
        boolean hasClientKey = bundle.getStores().getKeyStore() != null;
        builder.tls(bundle.getManagers().getTrustManagerFactory(),
                hasClientKey ? bundle.getManagers().getKeyManagerFactory() : null);
    }

    private static List<X509Certificate> certificates(String property, ResourceLoader locations, String location) {
        List<X509Certificate> certificates = read(property, locations, location).getCertificates();
        if (certificates.isEmpty()) {
            throw new InvalidConfigurationPropertyValueException(property, location,
                    "holds no PEM certificate (-----BEGIN CERTIFICATE-----)");
        }
        return certificates;
    }

    private static PrivateKey privateKey(String property, ResourceLoader locations, String location) {
        try {
            PrivateKey key = read(property, locations, location).getPrivateKey();
            if (key == null) {
                throw new IllegalStateException("no private key found");
            }
            return key;
        } catch (IllegalStateException ex) {
            throw new InvalidConfigurationPropertyValueException(property, location,
                    "holds no PEM private key: " + ex.getMessage());
        }
    }

    private static PemContent read(String property, ResourceLoader locations, String location) {
        Resource resource = locations.getResource(location);
        try (InputStream in = resource.getInputStream()) {
            return PemContent.load(in);
        } catch (IOException ex) {
            throw new InvalidConfigurationPropertyValueException(property, location,
                    "cannot be read (" + resource.getDescription() + "): " + ex.getMessage());
        }
    }

}
