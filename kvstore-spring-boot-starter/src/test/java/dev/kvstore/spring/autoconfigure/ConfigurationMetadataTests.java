package dev.kvstore.spring.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.configurationmetadata.ConfigurationMetadataProperty;
import org.springframework.boot.configurationmetadata.ConfigurationMetadataRepositoryJsonBuilder;

/** The configuration metadata IDEs complete {@code kvstore.*} from: every public property, each described. */
class ConfigurationMetadataTests {

    private static final List<String> PUBLIC_PROPERTIES = List.of("kvstore.backend", "kvstore.namespace",
            "kvstore.component", "kvstore.rank", "kvstore.cleanup", "kvstore.etcd.endpoints", "kvstore.etcd.host",
            "kvstore.etcd.port", "kvstore.etcd.connect-timeout", "kvstore.etcd.request-timeout", "kvstore.etcd.user",
            "kvstore.etcd.password", "kvstore.etcd.tls.ca-certificate", "kvstore.etcd.tls.client-certificate",
            "kvstore.etcd.tls.client-key", "kvstore.tcp.host", "kvstore.tcp.port", "kvstore.tcp.world-size",
            "kvstore.tcp.master", "kvstore.tcp.connect-timeout", "kvstore.tcp.request-timeout",
            "kvstore.tcp.worker-wait-timeout", "kvstore.tcp.wait-for-workers", "kvstore.tcp.protocol",
            "kvstore.tcp.server-legacy-protocol", "kvstore.tcp.server.backlog", "kvstore.tcp.server.max-key-size",
            "kvstore.tcp.server.max-value-size", "kvstore.tcp.server.max-keys-per-request",
            "kvstore.tcp.server.max-request-size", "kvstore.tcp.server.max-store-size",
            "kvstore.tcp.server.max-pending-size", "kvstore.tcp.server.partial-request-timeout",
            "kvstore.tcp.server.stall-log-interval", "kvstore.tcp.server.stall-threshold",
            "kvstore.tcp.server.store", "kvstore.tcp.server.etcd-prefix",
            "management.health.kvstore.enabled",
            "management.health.kvstore.timeout");

    @Test
    void everyPublicPropertyIsDescribed() throws Exception {
        Map<String, ConfigurationMetadataProperty> properties;
        try (InputStream generated = resource("META-INF/spring-configuration-metadata.json")) {
            properties = ConfigurationMetadataRepositoryJsonBuilder.create(generated).build().getAllProperties();
        }
        assertThat(properties.keySet()).containsAll(PUBLIC_PROPERTIES);
        for (String name : PUBLIC_PROPERTIES) {
            assertThat(properties.get(name).getDescription()).as(name).isNotBlank();
        }
        assertThat(properties.get("kvstore.backend").getDefaultValue()).isEqualTo("tcp");
        assertThat(properties.get("kvstore.tcp.request-timeout").getDefaultValue()).isEqualTo("30s");
        assertThat(properties.get("kvstore.tcp.connect-timeout").getDefaultValue()).isEqualTo("300s");
        assertThat(properties.get("kvstore.tcp.worker-wait-timeout").getDefaultValue()).isEqualTo("300s");
        assertThat(properties).as("nothing deprecated: 0.x has no aliases").doesNotContainKey("kvstore.tcp.timeout");
        assertThat(properties.values()).noneMatch(ConfigurationMetadataProperty::isDeprecated);
        for (String tls : List.of("ca-certificate", "client-certificate", "client-key")) {
            ConfigurationMetadataProperty location = properties.get("kvstore.etcd.tls." + tls);
            assertThat(location.getType()).isEqualTo("java.lang.String");
            // The IDE completes it as a resource location (classpath:, file:).
            assertThat(location.getHints().getValueProviders()).singleElement()
                .satisfies((provider) -> assertThat(provider.getParameters())
                    .containsEntry("target", "org.springframework.core.io.Resource"));
        }
        assertThat(properties.get("kvstore.tcp.protocol").getDefaultValue()).isEqualTo("auto");
        assertThat(properties.get("kvstore.tcp.protocol").getHints().getValueHints())
            .extracting((hint) -> hint.getValue().toString())
            .containsExactly("auto", "modern", "v2_1", "legacy");
        assertThat(properties.get("management.health.kvstore.enabled").getDefaultValue()).isEqualTo(true);
        assertThat(properties.get("kvstore.tcp.server.etcd-prefix").getDefaultValue()).isEqualTo("kvstore-tcpstore/");
    }

    private InputStream resource(String name) {
        InputStream in = getClass().getClassLoader().getResourceAsStream(name);
        assertThat(in).as(name).isNotNull();
        return in;
    }

}
