package dev.kvstore.spring.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

import dev.kvstore.spring.ManagedKVStore;
import dev.kvstore.testing.FreePorts;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.boot.origin.OriginLookup;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.PropertySource;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.io.support.SpringFactoriesLoader;

/** The torchrun variables become the {@code kvstore.*} properties they default, visible to configprops. */
class TorchrunEnvironmentPostProcessorTests {

    private final TorchrunEnvironmentPostProcessor postProcessor = new TorchrunEnvironmentPostProcessor();

    @Test
    void isRegistered() {
        // Boot's own post processors need constructor arguments only SpringApplication supplies: skip those.
        assertThat(SpringFactoriesLoader.forDefaultResourceLocation()
            .load(EnvironmentPostProcessor.class, SpringFactoriesLoader.FailureHandler.handleMessage((m, ex) -> {
            })))
            .hasAtLeastOneElementOfType(TorchrunEnvironmentPostProcessor.class);
    }

    @Test
    void mapsEachVariableToItsPropertyWithTheVariableAsOrigin() {
        StandardEnvironment environment = environment(Map.of("MASTER_ADDR", " 10.0.0.1 ", "MASTER_PORT", "29511",
                "RANK", "3", "WORLD_SIZE", "4"));
        this.postProcessor.postProcessEnvironment(environment, new SpringApplication());
        KVStoreProperties properties = Binder.get(environment).bindOrCreate("kvstore", KVStoreProperties.class);
        assertThat(properties.getTcp().getHost()).isEqualTo("10.0.0.1");
        assertThat(properties.getTcp().getPort()).isEqualTo(29511);
        assertThat(properties.getRank()).isEqualTo(3);
        assertThat(properties.getTcp().getWorldSize()).isEqualTo(4);
        PropertySource<?> source = environment.getPropertySources()
            .get(TorchrunEnvironmentPostProcessor.PROPERTY_SOURCE_NAME);
        assertThat(((OriginLookup<String>) source).getOrigin("kvstore.tcp.port")).hasToString(
                "torchrun environment variable MASTER_PORT");
    }

    @Test
    void aKVStorePropertyWinsOverTheVariable() {
        StandardEnvironment environment = environment(Map.of("RANK", "3", "kvstore.rank", "1"));
        this.postProcessor.postProcessEnvironment(environment, new SpringApplication());
        assertThat(environment.getProperty("kvstore.rank")).isEqualTo("1");
    }

    @Test
    void addsNothingWithoutTheVariables() {
        StandardEnvironment environment = environment(Map.of());
        this.postProcessor.postProcessEnvironment(environment, new SpringApplication());
        assertThat(environment.getPropertySources().contains(TorchrunEnvironmentPostProcessor.PROPERTY_SOURCE_NAME))
            .isFalse();
    }

    @Test
    void anInvalidVariableFailsNamingIt() {
        StandardEnvironment environment = environment(Map.of("WORLD_SIZE", "many"));
        assertThatExceptionOfType(InvalidConfigurationPropertyValueException.class)
            .isThrownBy(() -> this.postProcessor.postProcessEnvironment(environment, new SpringApplication()))
            .satisfies((ex) -> assertThat(ex.getName()).isEqualTo("WORLD_SIZE"));
    }

    @Test
    void aSpringApplicationBindsTheValuesInUse() {
        int port = FreePorts.pick();
        try (ConfigurableApplicationContext context = new SpringApplicationBuilder(Application.class)
            .web(WebApplicationType.NONE)
            .run("--MASTER_ADDR=127.0.0.1", "--MASTER_PORT=" + port, "--RANK=0")) {
            // The bound @ConfigurationProperties bean is what /actuator/configprops reports.
            KVStoreProperties properties = context.getBean(KVStoreProperties.class);
            assertThat(properties.getTcp().getPort()).isEqualTo(port);
            assertThat(properties.getTcp().getHost()).isEqualTo("127.0.0.1");
            assertThat(properties.getRank()).isZero();
            assertThat(context.getBean(ManagedKVStore.class).endpoint()).isEqualTo("127.0.0.1:" + port + " (master)");
        }
    }

    private static StandardEnvironment environment(Map<String, Object> values) {
        StandardEnvironment environment = new StandardEnvironment();
        environment.getPropertySources().addFirst(new MapPropertySource("test", values));
        return environment;
    }

    @SpringBootConfiguration
    @EnableAutoConfiguration
    static class Application {

    }

}
