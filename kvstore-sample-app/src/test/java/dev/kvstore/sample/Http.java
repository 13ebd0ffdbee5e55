package dev.kvstore.sample;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/** A tiny real-HTTP client for the sample app's endpoints. */
final class Http {

    private final HttpClient client;
    private final String base;

    Http(int port) {
        this(port, Duration.ofSeconds(5));
    }

    /** @param connectTimeout how long a connection may take, e.g. longer for hundreds opened at once */
    Http(int port, Duration connectTimeout) {
        this.client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(connectTimeout)
                .build();
        this.base = "http://127.0.0.1:" + port;
    }

    HttpResponse<String> get(String path) {
        return send(request(path).GET());
    }

    HttpResponse<String> put(String path, String body) {
        return send(request(path)
                .header("Content-Type", "text/plain")
                .PUT(HttpRequest.BodyPublishers.ofString(body)));
    }

    HttpResponse<String> post(String path) {
        return send(request(path).POST(HttpRequest.BodyPublishers.noBody()));
    }

    HttpResponse<String> delete(String path) {
        return send(request(path).DELETE());
    }

    /** @return a request builder for a path of the app, to add headers or a method the helpers do not cover */
    HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(60));
    }

    /** Sends without waiting for the answer, for requests that park (waits, barriers). */
    CompletableFuture<HttpResponse<String>> sendAsync(HttpRequest.Builder request, Duration timeout) {
        return client.sendAsync(request.timeout(timeout).build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> send(HttpRequest.Builder request) {
        try {
            return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
