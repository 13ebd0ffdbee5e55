package dev.kvstore.spring.test.slice;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kvstore.spring.test.AutoConfigureEmbeddedKVStore;
import io.micrometer.observation.ObservationRegistry;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.ApplicationContext;

/**
 * The same application as a full {@code @SpringBootTest}: what {@link KVStoreTestEmbeddedMasterTests} finds missing
 * in the slice is there, so its assertions can fail.
 */
@SpringBootTest
@AutoConfigureEmbeddedKVStore
class FullApplicationContrastTests {

    @Autowired
    ApplicationContext context;

    @Test
    void theWholeApplicationHasTheBeansTheSliceLeavesOut() {
        assertThat(this.context.getBeansOfType(ApplicationService.class)).hasSize(1);
        assertThat(this.context.getBeanNamesForType(ObservationRegistry.class)).isNotEmpty();
        assertThat(this.context.getBeanDefinitionNames()).anyMatch((name) -> name.contains("Health"));
    }

}
