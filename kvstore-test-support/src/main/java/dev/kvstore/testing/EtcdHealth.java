package dev.kvstore.testing;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Waits for an etcd member to report healthy on its plain-HTTP {@code /health} endpoint (it has a leader). */
final class EtcdHealth {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
    private static final long POLL_MILLIS = 50;

    private EtcdHealth() {
    }

    /**
     * Polls {@code baseUrl + "/health"} until it answers {@code "health":"true"}.
     *
     * @param name the member, for messages
     * @param running whether the member's process still runs; a process that exits fails the wait at once
     * @param describe the member's log, appended to a failure
     * @throws AssertionError if the process exits or the member is not healthy within the timeout
     */
    static void await(String name, String baseUrl, Duration timeout, BooleanSupplier running,
            Supplier<String> describe) {
        long deadline = System.nanoTime() + timeout.toNanos();
        HttpRequest health = HttpRequest.newBuilder(URI.create(baseUrl + "/health"))
                .timeout(Duration.ofSeconds(1)).build();
        while (true) {
            if (!running.getAsBoolean()) {
                throw new AssertionError("etcd " + name + " is not running" + describe.get());
            }
            try {
                HttpResponse<String> response = HTTP.send(health, HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() == 200 && response.body().contains("\"health\":\"true\"")) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted while waiting for etcd " + name, e);
            }
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("etcd " + name + " not healthy within " + timeout + describe.get());
            }
            pause();
        }
    }

    private static void pause() {
        try {
            TimeUnit.MILLISECONDS.sleep(POLL_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }
}
