package dev.kvstore.spring.aot;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URL;
import java.net.URLClassLoader;
import org.junit.jupiter.api.Test;
import org.springframework.aot.hint.RuntimeHints;
import org.springframework.aot.hint.RuntimeHintsRegistrar;
import org.springframework.aot.hint.predicate.RuntimeHintsPredicates;
import org.springframework.beans.factory.aot.AotServices;

/** The starter's runtime hints are registered for AOT processing and cover the reflective jetcd check. */
class KVStoreRuntimeHintsTests {

    @Test
    void areRegisteredInAotFactories() {
        assertThat(AotServices.factories().load(RuntimeHintsRegistrar.class))
            .hasAtLeastOneElementOfType(KVStoreRuntimeHints.class);
    }

    @Test
    void registerTheJetcdClientWhenJetcdIsPresent() {
        RuntimeHints hints = new RuntimeHints();
        new KVStoreRuntimeHints().registerHints(hints, getClass().getClassLoader());
        assertThat(RuntimeHintsPredicates.reflection().onType(io.etcd.jetcd.Client.class)).accepts(hints);
    }

    @Test
    void registerNothingWithoutJetcd() throws Exception {
        try (URLClassLoader withoutJetcd = new URLClassLoader(new URL[0], null)) {
            RuntimeHints hints = new RuntimeHints();
            new KVStoreRuntimeHints().registerHints(hints, withoutJetcd);
            assertThat(hints.reflection().typeHints()).isEmpty();
        }
    }

}
