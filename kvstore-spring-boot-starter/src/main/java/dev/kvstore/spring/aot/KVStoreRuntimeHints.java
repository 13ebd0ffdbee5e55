package dev.kvstore.spring.aot;

import org.jspecify.annotations.Nullable;
import org.springframework.aot.hint.RuntimeHints;
import org.springframework.aot.hint.RuntimeHintsRegistrar;
import org.springframework.aot.hint.TypeReference;
import org.springframework.util.ClassUtils;

/**
 * Reflection the starter does at run time that Spring's AOT processing cannot see on its own, for a native image.
 * (The {@code kvstore.*} properties, the auto-configurations and the {@code spring.factories} entries get their hints
 * from Spring Boot.)
 * <ul>
 * <li>The health indicator checks with {@code ClassUtils.isPresent} whether jetcd is there before it uses the etcd
 * probe; {@code Class.forName} only finds classes registered for reflection in a native image.</li>
 * </ul>
 */
class KVStoreRuntimeHints implements RuntimeHintsRegistrar {

    /** The jetcd class whose presence the health probe checks. */
    static final String JETCD_CLIENT = "io.etcd.jetcd.Client";

    @Override
    public void registerHints(RuntimeHints hints, @Nullable ClassLoader classLoader) {
        if (ClassUtils.isPresent(JETCD_CLIENT, classLoader)) {
            hints.reflection().registerType(TypeReference.of(JETCD_CLIENT));
        }
    }

}
