package dev.kvstore.sample;

import dev.kvstore.api.KVStoreConflictException;
import dev.kvstore.api.KVStoreConnectionException;
import dev.kvstore.api.KVStoreException;
import dev.kvstore.api.KVStoreLimitException;
import dev.kvstore.api.KVStoreTimeoutException;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.TypeMismatchException;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.web.HttpMediaTypeNotSupportedException;
import org.springframework.web.HttpRequestMethodNotSupportedException;
import org.springframework.web.bind.MissingServletRequestParameterException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.context.request.WebRequest;
import org.springframework.web.servlet.mvc.method.annotation.ResponseEntityExceptionHandler;

/**
 * Every error as an RFC 9457 problem detail ({@code application/problem+json}). Store errors keep the store's own
 * message, which names what was missing or which limit was hit: timeout 504, connection failure 503, conflict (a
 * reused barrier name) 409, a request over a store limit 413, any other store failure 503, a store-rejected argument
 * 400. Spring MVC's own errors (405, 406, 415, missing or unparsable parameters) come from the base class, with
 * details that say what to send instead.
 */
@RestControllerAdvice
class ApiErrors extends ResponseEntityExceptionHandler {

    private static final Logger log = LoggerFactory.getLogger(ApiErrors.class);

    /** Store exceptions by status, most specific first: the first type the exception is an instance of wins. */
    private static final List<StoreError> STORE_ERRORS = List.of(
            new StoreError(KVStoreTimeoutException.class, HttpStatus.GATEWAY_TIMEOUT, "Store timeout"),
            new StoreError(KVStoreConnectionException.class, HttpStatus.SERVICE_UNAVAILABLE, "Store unreachable"),
            new StoreError(KVStoreConflictException.class, HttpStatus.CONFLICT, "Conflict with the store's state"),
            new StoreError(KVStoreLimitException.class, HttpStatus.CONTENT_TOO_LARGE, "Over a store limit"),
            new StoreError(KVStoreException.class, HttpStatus.SERVICE_UNAVAILABLE, "Store failure"));

    private final RequestParameters parameters;

    ApiErrors(RequestParameters parameters) {
        this.parameters = parameters;
    }

    @ExceptionHandler(KVStoreException.class)
    ProblemDetail storeError(KVStoreException e) {
        StoreError error = STORE_ERRORS.stream().filter((candidate) -> candidate.type().isInstance(e)).findFirst()
                .orElseThrow();
        return problem(error.status(), error.title(), e);
    }

    @ExceptionHandler(IllegalArgumentException.class)
    ProblemDetail badRequest(IllegalArgumentException e) {
        return problem(HttpStatus.BAD_REQUEST, "Bad request", e);
    }

    /** Anything else is a bug: logged with its stack trace, answered without internals. */
    @ExceptionHandler(Exception.class)
    ProblemDetail unexpected(Exception e) {
        log.error("Unexpected error serving a request", e);
        return ProblemDetail.forStatusAndDetail(HttpStatus.INTERNAL_SERVER_ERROR,
                "unexpected " + e.getClass().getSimpleName() + "; the app's log has the details");
    }

    @Override
    protected ResponseEntity<Object> handleHttpRequestMethodNotSupported(HttpRequestMethodNotSupportedException e,
            HttpHeaders headers, HttpStatusCode status, WebRequest request) {
        e.getBody().setDetail("method " + e.getMethod() + " is not supported here; supported: "
                + e.getSupportedHttpMethods());
        return super.handleHttpRequestMethodNotSupported(e, headers, status, request);
    }

    @Override
    protected ResponseEntity<Object> handleHttpMediaTypeNotSupported(HttpMediaTypeNotSupportedException e,
            HttpHeaders headers, HttpStatusCode status, WebRequest request) {
        String sent = request.getHeader(HttpHeaders.CONTENT_TYPE);
        e.getBody().setDetail("Content-Type " + (sent == null ? "missing" : "'" + sent + "' is not supported")
                + ": " + ClientErrors.SEND_TEXT_PLAIN);
        return super.handleHttpMediaTypeNotSupported(e, headers, status, request);
    }

    @Override
    protected ResponseEntity<Object> handleHttpMessageNotReadable(HttpMessageNotReadableException e,
            HttpHeaders headers, HttpStatusCode status, WebRequest request) {
        ProblemDetail body = ProblemDetail.forStatusAndDetail(status,
                "the request body is missing or unreadable: " + ClientErrors.SEND_TEXT_PLAIN);
        return handleExceptionInternal(e, body, headers, status, request);
    }

    @Override
    protected ResponseEntity<Object> handleMissingServletRequestParameter(MissingServletRequestParameterException e,
            HttpHeaders headers, HttpStatusCode status, WebRequest request) {
        String name = e.getParameterName();
        ProblemDetail body = parameters.range(name)
                .map((range) -> InvalidParameterException.problem(range, "is required: " + range.describe()))
                .orElseGet(() -> missing(name, status));
        return handleExceptionInternal(e, body, headers, status, request);
    }

    @Override
    protected ResponseEntity<Object> handleTypeMismatch(TypeMismatchException e, HttpHeaders headers,
            HttpStatusCode status, WebRequest request) {
        String name = e.getPropertyName();
        String value = String.valueOf(e.getValue());
        ProblemDetail body = parameters.range(name)
                .map((range) -> InvalidParameterException.problem(range, range.refusal(value)))
                .orElseGet(() -> ProblemDetail.forStatusAndDetail(status,
                        "parameter '" + name + "' has the wrong type: '" + value + "'"));
        return handleExceptionInternal(e, body, headers, status, request);
    }

    private static ProblemDetail missing(String name, HttpStatusCode status) {
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(status, "parameter '" + name + "' is required");
        problem.setProperty("parameter", name);
        return problem;
    }

    private static ProblemDetail problem(HttpStatus status, String title, Exception e) {
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(status, e.getMessage());
        problem.setTitle(title);
        return problem;
    }

    private record StoreError(Class<? extends KVStoreException> type, HttpStatus status, String title) {
    }
}
