package dev.kvstore;

import static com.tngtech.archunit.base.DescribedPredicate.not;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAnyPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.lang.ArchRule;
import dev.kvstore.api.KVStore;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The package rules of docs/architecture.md, checked on kvstore-core's main classes: no package cycle, the TCPStore
 * server standing on the protocol package alone, the protocol package standing on nothing of ours but internal, and
 * etcd watched only through its access layer.
 */
class ArchitectureTest {

    /** What the server packages may use: the wire protocol, the shared internals, the JDK, SLF4J and JSpecify. */
    static final String[] SERVER_MAY_USE = {"dev.kvstore.tcp.server..", "dev.kvstore.tcp.protocol..",
        "dev.kvstore.internal..", "java..", "org.slf4j..", "org.jspecify.."};

    static JavaClasses core;

    @BeforeAll
    static void importCoreMainClasses() {
        // The main classes only: where KVStore was loaded from (target/classes or the jar), not tests or test support.
        core = new ClassFileImporter().importUrl(KVStore.class.getProtectionDomain().getCodeSource().getLocation());
    }

    @Test
    void noPackageCycles() {
        packageCycles().check(core);
    }

    @Test
    void theServerUsesOnlyTheProtocolAndInternals() {
        serverDependencies().check(core);
    }

    @Test
    void theProtocolUsesNothingOfOursButInternals() {
        noClasses().that().resideInAPackage("dev.kvstore.tcp.protocol..")
            .should().dependOnClassesThat(resideInAPackage("dev.kvstore..")
                .and(not(resideInAnyPackage("dev.kvstore.tcp.protocol..", "dev.kvstore.internal.."))))
            .check(core);
    }

    @Test
    void theInternalsUseNothingOfOurs() {
        noClasses().that().resideInAPackage("dev.kvstore.internal..")
            .should().dependOnClassesThat(resideInAPackage("dev.kvstore..")
                .and(not(resideInAPackage("dev.kvstore.internal.."))))
            .check(core);
    }

    @Test
    void onlyTheEtcdAccessLayerWatchesEtcd() {
        // One watch path (RevisionWatch): resumption, compaction and created notices are handled once.
        noClasses().that().resideOutsideOfPackage("dev.kvstore.etcd.access..")
            .should().dependOnClassesThat().haveNameMatching("io\\.etcd\\.jetcd\\.Watch(\\$.*)?")
            .orShould().dependOnClassesThat().haveFullyQualifiedName("io.etcd.jetcd.options.WatchOption")
            .orShould().callMethod("io.etcd.jetcd.Client", "getWatchClient")
            .check(core);
    }

    @Test
    void theRulesSeeTheClassesTheyAreAbout() {
        // Guards against an import that finds nothing, under which every rule above would pass.
        assertContains("dev.kvstore.tcp.server.TcpStoreServer");
        assertContains("dev.kvstore.tcp.protocol.Command");
        assertContains("dev.kvstore.api.KVStore");
        assertContains("dev.kvstore.internal.Deadline");
        assertContains("dev.kvstore.etcd.access.RevisionWatch");
    }

    private static void assertContains(String className) {
        if (!core.contain(className)) {
            throw new AssertionError("the imported main classes miss " + className);
        }
    }

    private static com.tngtech.archunit.library.dependencies.SliceRule packageCycles() {
        // One slice per package (tcp, tcp.protocol and tcp.server apart), not per top-level package.
        return slices().matching("dev.kvstore.(**)").should().beFreeOfCycles();
    }

    private static ArchRule serverDependencies() {
        return classes().that().resideInAPackage("dev.kvstore.tcp.server..")
            .should().onlyDependOnClassesThat().resideInAnyPackage(SERVER_MAY_USE);
    }
}
