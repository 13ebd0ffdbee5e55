package dev.kvstore.spring.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.StandardEnvironment;

/** How the TCPStore settings fall back from the properties to the torchrun environment to the defaults. */
class TcpConnectionSettingsTests {

    private final KVStoreProperties properties = new KVStoreProperties();

    private final Map<String, Object> environment = new HashMap<>();

    @Test
    void withNothingSetThisProcessIsTheMasterOnLoopback29500WithoutWorldSize() {
        TcpConnectionSettings settings = resolve();
        assertThat(settings.host()).isEqualTo("127.0.0.1");
        assertThat(settings.port()).isEqualTo(29500);
        assertThat(settings.worldSize()).isNull();
        assertThat(settings.master()).isTrue();
        assertThat(settings.role()).isEqualTo(new ProcessRole(0, false));
        assertThat(settings.endpoint()).isEqualTo("127.0.0.1:29500 (master)");
    }

    @Test
    void torchrunEnvironmentSuppliesUnsetValues() {
        this.environment.putAll(Map.of("MASTER_ADDR", "10.0.0.7", "MASTER_PORT", "29511", "RANK", "2",
                "WORLD_SIZE", "4"));
        TcpConnectionSettings settings = resolve();
        assertThat(settings.host()).isEqualTo("10.0.0.7");
        assertThat(settings.port()).isEqualTo(29511);
        assertThat(settings.worldSize()).isEqualTo(4);
        assertThat(settings.role().rank()).isEqualTo(2);
        assertThat(settings.master()).as("only rank 0 is the master by default").isFalse();
        assertThat(settings.endpoint()).isEqualTo("10.0.0.7:29511");
    }

    @Test
    void rankZeroOfATorchrunJobIsTheMaster() {
        this.environment.putAll(Map.of("RANK", "0", "WORLD_SIZE", "2"));
        assertThat(resolve().master()).isTrue();
    }

    @Test
    void propertiesWinOverTheTorchrunEnvironment() {
        this.environment.putAll(Map.of("MASTER_ADDR", "10.0.0.7", "MASTER_PORT", "29511", "RANK", "2",
                "WORLD_SIZE", "4"));
        this.properties.setRank(0);
        this.properties.getTcp().setHost("192.168.1.1");
        this.properties.getTcp().setPort(1234);
        this.properties.getTcp().setWorldSize(2);
        this.properties.getTcp().setMaster(false);
        TcpConnectionSettings settings = resolve();
        assertThat(settings.host()).isEqualTo("192.168.1.1");
        assertThat(settings.port()).isEqualTo(1234);
        assertThat(settings.worldSize()).isEqualTo(2);
        assertThat(settings.role().rank()).isZero();
        assertThat(settings.master()).isFalse();
    }

    @Test
    void cleanupAppliesToRankZeroOnly() {
        this.properties.setCleanup(true);
        assertThat(resolve().role().cleanup()).isTrue();
        this.properties.setRank(1);
        assertThat(resolve().role().cleanup()).isFalse();
    }

    @Test
    void rankFromTheEnvironmentMustBeBelowTheWorldSize() {
        this.environment.putAll(Map.of("RANK", "4", "WORLD_SIZE", "4"));
        assertThatExceptionOfType(InvalidConfigurationPropertyValueException.class).isThrownBy(this::resolve)
            .satisfies((ex) -> assertThat(ex.getName()).isEqualTo("kvstore.rank"))
            .withMessageContaining("must be less than the world size 4");
    }

    @Test
    void malformedTorchrunVariableIsNamed() {
        this.environment.put("WORLD_SIZE", "four");
        assertThatExceptionOfType(InvalidConfigurationPropertyValueException.class).isThrownBy(this::resolve)
            .satisfies((ex) -> assertThat(ex.getName()).isEqualTo("WORLD_SIZE"))
            .withMessageContaining("four");
    }

    private TcpConnectionSettings resolve() {
        StandardEnvironment env = new StandardEnvironment();
        env.getPropertySources().remove(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME);
        env.getPropertySources().addFirst(new MapPropertySource("torchrun", this.environment));
        TorchrunEnvironment torchrun = TorchrunEnvironment.from(env);
        return TcpConnectionSettings.resolve(this.properties,
                new PropertiesTcpConnectionDetails(this.properties.getTcp(), torchrun), torchrun);
    }

}
