package dev.kvstore.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A component view forwards the backend's whole SPI to its owner: a backend method the view did not forward would
 * silently fall back to AbstractKVStore's default ("cannot list keys", "has no locks") on views only.
 */
class ComponentViewTest {

    @Test
    void forwardsEveryProtectedMethodOfTheBackendSpi() throws Exception {
        Class<?> view = Class.forName(AbstractKVStore.class.getName() + "$ComponentView");
        List<String> overridable = Arrays.stream(AbstractKVStore.class.getDeclaredMethods())
            .filter(method -> !method.isSynthetic())
            .filter(method -> {
                int modifiers = method.getModifiers();
                return Modifier.isProtected(modifiers) && !Modifier.isFinal(modifiers) && !Modifier.isStatic(modifiers);
            })
            .map(ComponentViewTest::signature)
            .toList();
        List<String> forwarded = Arrays.stream(view.getDeclaredMethods()).map(ComponentViewTest::signature).toList();
        assertThat(overridable).as("the SPI has methods to forward").isNotEmpty();
        assertThat(forwarded).containsAll(overridable);
    }

    private static String signature(Method method) {
        return method.getName() + Arrays.toString(method.getParameterTypes());
    }
}
