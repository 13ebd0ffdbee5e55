package dev.kvstore.spring.autoconfigure;

import java.util.Objects;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;

/**
 * The cause chain of a start failure, which the starters classify by what its links are (their type, a gRPC status),
 * never by the words of a message.
 */
final class Causes {

    private Causes() {
    }

    /** @return whether the failure or one of its causes passes the test */
    static boolean any(Throwable failure, Predicate<Throwable> test) {
        return chain(failure).anyMatch(test);
    }

    /** @return the outermost of the failure and its causes that is a {@code type}, or {@code null} */
    static <T extends Throwable> @Nullable T find(Throwable failure, Class<T> type) {
        return chain(failure).filter(type::isInstance).map(type::cast).findFirst().orElse(null);
    }

    /** @return the innermost cause: the failure itself if it has none */
    static Throwable root(Throwable failure) {
        return chain(failure).reduce((outer, inner) -> inner).orElse(failure);
    }

    /** The failure and its causes, outermost first. */
    private static Stream<Throwable> chain(Throwable failure) {
        return Stream.iterate(failure, Objects::nonNull, Throwable::getCause);
    }
}
