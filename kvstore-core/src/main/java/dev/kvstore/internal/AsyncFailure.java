package dev.kvstore.internal;

import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/** The failure a future completed with, without the wrappers the future's API put around it. */
public final class AsyncFailure {

    private AsyncFailure() {
    }

    /** @return {@code error} without its {@link CompletionException} / {@link ExecutionException} wrappers */
    public static Throwable cause(Throwable error) {
        Throwable cause = error;
        while ((cause instanceof CompletionException || cause instanceof ExecutionException)
                && cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause;
    }
}
