package dev.kvstore.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kvstore.api.KVStore;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The forwarding store is the one place where the KVStore API is mapped: every method of the interface is forwarded
 * there (or by its subclasses: the store's identity and closing), except the conveniences that call another method
 * of the interface. A method missing here would not compile, or, for a default method, would bypass the target.
 */
class ForwardingKVStoreTests {

    /** Defaults that only call other KVStore methods, which are forwarded. */
    private static final Set<String> CONVENIENCES = Set.of("set[class java.lang.String, class java.lang.String]",
            "get[class java.lang.String]", "waitForKey[class java.lang.String]",
            "waitForKeys[class java.lang.String, int]",
            "waitForKeys[class java.lang.String, int, interface java.util.Collection, class java.time.Duration]",
            "close[]");

    /** Left to the subclasses: what the store is and how it closes. */
    private static final Set<String> IDENTITY = Set.of("namespace[]", "component[]",
            "withComponent[class java.lang.String]", "close[boolean]");

    @Test
    void forwardsEveryMethodOfTheInterface() {
        List<String> forwarded = Arrays.stream(ForwardingKVStore.class.getDeclaredMethods())
            .filter((method) -> Modifier.isPublic(method.getModifiers()))
            .map(ForwardingKVStoreTests::signature)
            .toList();
        List<String> required = Arrays.stream(KVStore.class.getMethods())
            .filter((method) -> !Modifier.isStatic(method.getModifiers()))
            .map(ForwardingKVStoreTests::signature)
            .filter((signature) -> !CONVENIENCES.contains(signature) && !IDENTITY.contains(signature))
            .toList();
        assertThat(required).as("the interface has operations").hasSizeGreaterThan(10);
        assertThat(forwarded).containsAll(required);
        assertThat(Arrays.stream(ManagedKVStore.class.getDeclaredMethods()).map(ForwardingKVStoreTests::signature))
            .as("the managed store maps no operation itself")
            .doesNotContain("setBytes[class java.lang.String, class [B]", "getBytes[class java.lang.String]");
    }

    private static String signature(Method method) {
        return method.getName() + Arrays.toString(method.getParameterTypes());
    }

}
