package dev.kvstore.tcp;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Scripting languages and frameworks call a store's methods by reflection on its concrete class: every public method
 * it inherits must be declared in a public class, or {@link Method#invoke} fails with an IllegalAccessException
 * outside {@code dev.kvstore.api}.
 */
class TcpKVStoreReflectiveCallTest {

    @Test
    void theApiCanBeCalledByReflectionOnTheConcreteClass() throws Exception {
        for (Method method : TcpKVStore.class.getMethods()) {
            assertThat(Modifier.isPublic(method.getDeclaringClass().getModifiers()))
                .as("%s is declared in a public class", method).isTrue();
        }
        try (TcpKVStore store = TcpKVStore.builder().master(true).host("127.0.0.1").port(0)
                .connectTimeout(Duration.ofSeconds(30)).requestTimeout(Duration.ofSeconds(30)).namespace("reflective")
                        .build()) {
            TcpKVStore.class.getMethod("setBytes", String.class, byte[].class)
                .invoke(store, "k", "v".getBytes(StandardCharsets.UTF_8));
            assertThat(TcpKVStore.class.getMethod("get", String.class).invoke(store, "k"))
                .isEqualTo(java.util.Optional.of("v"));
        }
    }
}
