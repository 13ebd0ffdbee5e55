package dev.kvstore.sample;

import dev.kvstore.api.KVStoreException;
import dev.kvstore.api.KVStoreTimeoutException;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;

/** Maps store errors to problem details whose detail is the store's own message (it names what was missing). */
@RestControllerAdvice
class ApiErrors {

    @ExceptionHandler(KVStoreTimeoutException.class)
    ProblemDetail timeout(KVStoreTimeoutException e) {
        return ProblemDetail.forStatusAndDetail(HttpStatus.GATEWAY_TIMEOUT, e.getMessage());
    }

    @ExceptionHandler(IllegalArgumentException.class)
    ProblemDetail badRequest(IllegalArgumentException e) {
        return ProblemDetail.forStatusAndDetail(HttpStatus.BAD_REQUEST, e.getMessage());
    }

    @ExceptionHandler(KVStoreException.class)
    ProblemDetail storeFailure(KVStoreException e) {
        return ProblemDetail.forStatusAndDetail(HttpStatus.SERVICE_UNAVAILABLE, e.getMessage());
    }
}
