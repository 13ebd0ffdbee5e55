package dev.kvstore.sample;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.util.unit.DataSize;
import org.springframework.web.ErrorResponseException;

/** The app's own 4xx answers, as exceptions that Spring MVC renders as RFC 9457 problem details. */
final class ClientErrors {

    /** How long a caller refused for too many parked waits should wait before trying again. */
    static final int RETRY_AFTER_SECONDS = 5;

    static final String SEND_TEXT_PLAIN = "send Content-Type: text/plain with the value as the request body";

    private ClientErrors() {
    }

    static ErrorResponseException keyNotFound(String key) {
        return error(HttpStatus.NOT_FOUND, "Key not found", "key '" + key + "' does not exist");
    }

    static ErrorResponseException missingValue() {
        return error(HttpStatus.BAD_REQUEST, "Missing value", "the request body is empty: " + SEND_TEXT_PLAIN);
    }

    static ErrorResponseException valueTooLarge(String size, DataSize limit) {
        ErrorResponseException e = error(HttpStatus.CONTENT_TOO_LARGE, "Value too large",
                "the value is " + size + " bytes; this app accepts at most " + limit.toBytes()
                        + " bytes (sample.limits.max-value-size)");
        e.getBody().setProperty("limit", limit.toBytes());
        e.getBody().setProperty("setting", "sample.limits.max-value-size");
        return e;
    }

    static ErrorResponseException tooManyWaits(int capacity) {
        ErrorResponseException e = error(HttpStatus.TOO_MANY_REQUESTS, "Too many waiting requests",
                capacity + " waits are already parked, the most this app serves at once"
                        + " (sample.limits.max-concurrent-waits); retry in " + RETRY_AFTER_SECONDS + " s");
        e.getHeaders().set(HttpHeaders.RETRY_AFTER, String.valueOf(RETRY_AFTER_SECONDS));
        e.getBody().setProperty("setting", "sample.limits.max-concurrent-waits");
        return e;
    }

    static ErrorResponseException waitsHoldTooMuch(String what, long charge, long held, long limit) {
        ErrorResponseException e = error(HttpStatus.TOO_MANY_REQUESTS, "Too much memory in waiting requests",
                what + " would hold about " + charge + " bytes, and the waits parked now hold " + held + " of the "
                        + limit + " bytes this app lets them hold (sample.limits.max-wait-memory, by default a "
                        + "quarter of the heap); retry in " + RETRY_AFTER_SECONDS + " s");
        e.getHeaders().set(HttpHeaders.RETRY_AFTER, String.valueOf(RETRY_AFTER_SECONDS));
        e.getBody().setProperty("setting", "sample.limits.max-wait-memory");
        e.getBody().setProperty("limit", limit);
        return e;
    }

    private static ErrorResponseException error(HttpStatus status, String title, String detail) {
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(status, detail);
        problem.setTitle(title);
        return new ErrorResponseException(status, problem, null);
    }
}
