package dev.kvstore.spring;

import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The starter's package rule (docs/architecture.md), on its main classes: no cycle between its packages.
 */
class StarterArchitectureTests {

    static JavaClasses starter;

    @BeforeAll
    static void importStarterMainClasses() {
        // The main classes only: where ManagedKVStore was loaded from, not the tests or kvstore-core.
        starter = new ClassFileImporter()
            .importUrl(ManagedKVStore.class.getProtectionDomain().getCodeSource().getLocation());
    }

    @Test
    void theImportSeesTheStarter() {
        assertThat(starter.contain("dev.kvstore.spring.autoconfigure.KVStoreAutoConfiguration")).isTrue();
        assertThat(starter.contain("dev.kvstore.api.KVStore")).isFalse();
    }

    @Test
    void noPackageCycles() {
        slices().matching("dev.kvstore.spring.(**)").should().beFreeOfCycles().check(starter);
    }
}
