package dev.kvstore;

import static com.tngtech.archunit.base.DescribedPredicate.not;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAnyPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaCodeUnit;
import com.tngtech.archunit.core.domain.JavaField;
import com.tngtech.archunit.core.domain.JavaMember;
import com.tngtech.archunit.core.domain.JavaModifier;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.lang.ArchRule;
import dev.kvstore.api.KVStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The package rules of docs/architecture.md, checked on kvstore-core's main classes: no package cycle, the TCPStore
 * server standing on the protocol packages alone, the protocol packages and the API package standing on nothing of
 * ours but internal, etcd watched only through its access layer, every package either exported or plumbing, and an
 * API that reaches only the exported packages.
 */
class ArchitectureTest {

    /** What the server packages may use: the wire protocol, the shared internals, the JDK, SLF4J and JSpecify. */
    static final String[] SERVER_MAY_USE = {"dev.kvstore.tcp.server..", "dev.kvstore.tcp.protocol..",
        "dev.kvstore.internal..", "java..", "org.slf4j..", "org.jspecify.."};

    /**
     * The packages whose public types are the API: what users call. Everything else of ours is {@link #PLUMBING}.
     * jetcd's jars have no module names, so this list stands in for a module-info's exports.
     */
    static final Set<String> EXPORTED = Set.of("dev.kvstore.api", "dev.kvstore.recipes", "dev.kvstore.etcd",
        "dev.kvstore.tcp", "dev.kvstore.tcp.protocol", "dev.kvstore.tcp.server", "dev.kvstore.tcp.gateway");

    /**
     * The packages whose types may be public only so that our own packages can share them: the shared helpers
     * {@code internal}, the wire format {@code tcp.protocol.wire}, the etcd access layer {@code etcd.access}, the
     * pooled TCPStore connection {@code tcp.client}, and what the backends build the API's answers from
     * ({@code backend}: key pages, re-entrant locks).
     */
    static final Set<String> PLUMBING = Set.of("dev.kvstore.internal", "dev.kvstore.tcp.protocol.wire",
        "dev.kvstore.etcd.access", "dev.kvstore.tcp.client", "dev.kvstore.backend");

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
        usesNothingOfOursBut("dev.kvstore.tcp.protocol..", "dev.kvstore.tcp.protocol..", "dev.kvstore.internal..")
            .check(core);
    }

    @Test
    void theApiUsesNothingOfOursButInternals() {
        // The recipes and the backends' shared parts build on the API, never the other way round.
        usesNothingOfOursBut("dev.kvstore.api", "dev.kvstore.api", "dev.kvstore.internal").check(core);
    }

    /** A new package is API or plumbing by decision, so that the API check below knows which side its types are on. */
    @Test
    void everyPackageIsExportedOrPlumbing() {
        List<String> unclassified = core.stream().map(JavaClass::getPackageName).distinct()
            .filter(name -> !EXPORTED.contains(name) && !PLUMBING.contains(name)).toList();
        assertThat(unclassified).as("packages in neither EXPORTED nor PLUMBING").isEmpty();
    }

    @Test
    void theInternalsUseNothingOfOurs() {
        usesNothingOfOursBut("dev.kvstore.internal..", "dev.kvstore.internal..").check(core);
    }

    /** @return the rule that the classes of {@code packages} depend on no class of ours outside {@code allowed} */
    private static ArchRule usesNothingOfOursBut(String packages, String... allowed) {
        return noClasses().that().resideInAPackage(packages)
            .should().dependOnClassesThat(resideInAPackage("dev.kvstore..").and(not(resideInAnyPackage(allowed))));
    }

    /**
     * Nothing of ours outside the exported packages is reachable from the API: no public or protected field, method
     * or constructor of an API type, and no supertype, names a type that is not API itself.
     */
    @Test
    void theApiReachesOnlyExportedTypes() {
        List<String> leaks = new ArrayList<>();
        for (JavaClass type : core) {
            if (!isApi(type)) {
                continue;
            }
            Stream.concat(type.getRawSuperclass().stream(), type.getRawInterfaces().stream())
                .filter(ArchitectureTest::isOursButNotApi)
                .forEach(leaked -> leaks.add(type.getName() + " extends " + leaked.getName()));
            for (JavaMember member : type.getMembers()) {
                if (!visibleOutside(type, member)) {
                    continue;
                }
                signatureTypes(member).filter(ArchitectureTest::isOursButNotApi)
                    .forEach(leaked -> leaks.add(member.getFullName() + " -> " + leaked.getName()));
            }
        }
        assertThat(leaks).as("types of ours outside %s reachable from the API", EXPORTED).isEmpty();
    }

    private static boolean isApi(JavaClass type) {
        JavaClass outer = type;
        while (true) {
            if (!outer.getModifiers().contains(JavaModifier.PUBLIC)) {
                return false;
            }
            if (outer.getEnclosingClass().isEmpty()) {
                return EXPORTED.contains(outer.getPackageName());
            }
            outer = outer.getEnclosingClass().get();
        }
    }

    private static boolean isOursButNotApi(JavaClass type) {
        JavaClass base = type.getBaseComponentType();
        return base.getPackageName().startsWith("dev.kvstore") && !isApi(base);
    }

    /** Public members, and protected ones of a class that can be extended. */
    private static boolean visibleOutside(JavaClass owner, JavaMember member) {
        Set<JavaModifier> modifiers = member.getModifiers();
        return modifiers.contains(JavaModifier.PUBLIC) || (modifiers.contains(JavaModifier.PROTECTED)
            && !owner.getModifiers().contains(JavaModifier.FINAL));
    }

    private static Stream<JavaClass> signatureTypes(JavaMember member) {
        if (member instanceof JavaField field) {
            return field.getType().getAllInvolvedRawTypes().stream();
        }
        JavaCodeUnit unit = (JavaCodeUnit) member;
        return Stream.concat(unit.getReturnType().getAllInvolvedRawTypes().stream(),
            unit.getParameterTypes().stream().flatMap(parameter -> parameter.getAllInvolvedRawTypes().stream()));
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
        assertContains("dev.kvstore.tcp.protocol.wire.Command");
        assertContains("dev.kvstore.api.KVStore");
        assertContains("dev.kvstore.internal.Deadline");
        assertContains("dev.kvstore.etcd.access.RevisionWatch");
        assertContains("dev.kvstore.backend.ThreadReentrantLock");
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
