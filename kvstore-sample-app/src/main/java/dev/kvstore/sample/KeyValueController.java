package dev.kvstore.sample;

import dev.kvstore.api.KVStore;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.util.unit.DataSize;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * Plain key-value access: {@code /kv/{key}}, where the key may contain slashes. Values are text: {@code PUT} takes a
 * {@code text/plain} body of at most {@code sample.limits.max-value-size}, {@code GET} answers {@code text/plain}.
 */
@RestController
@RequestMapping("/kv")
class KeyValueController {

    private final KVStore store;
    private final DataSize maxValueSize;

    KeyValueController(KVStore store, SampleLimits limits) {
        this.store = store;
        this.maxValueSize = limits.maxValueSize();
    }

    @PutMapping(path = "/{*key}", consumes = MediaType.TEXT_PLAIN_VALUE)
    ResponseEntity<Void> put(@PathVariable String key, HttpServletRequest request) throws IOException {
        store.set(relative(key), readValue(request));
        return ResponseEntity.noContent().build();
    }

    @GetMapping(path = "/{*key}", produces = MediaType.TEXT_PLAIN_VALUE)
    ResponseEntity<String> get(@PathVariable String key) {
        String relative = relative(key);
        return ResponseEntity.ok(store.get(relative).orElseThrow(() -> ClientErrors.keyNotFound(relative)));
    }

    @DeleteMapping("/{*key}")
    ResponseEntity<Void> delete(@PathVariable String key) {
        String relative = relative(key);
        if (!store.delete(relative)) {
            throw ClientErrors.keyNotFound(relative);
        }
        return ResponseEntity.noContent().build();
    }

    /** Reads the body, never more than the limit plus one byte, so an endless body costs a bounded buffer. */
    private String readValue(HttpServletRequest request) throws IOException {
        long limit = maxValueSize.toBytes();
        long declared = request.getContentLengthLong();
        if (declared > limit) {
            throw ClientErrors.valueTooLarge(String.valueOf(declared), maxValueSize);
        }
        byte[] body;
        try (InputStream in = request.getInputStream()) {
            body = in.readNBytes(Math.toIntExact(limit + 1));
        }
        if (body.length > limit) {
            throw ClientErrors.valueTooLarge("more than " + limit, maxValueSize);
        }
        if (body.length == 0) {
            throw ClientErrors.missingValue();
        }
        return new String(body, charset(request));
    }

    private static Charset charset(HttpServletRequest request) {
        Charset declared = MediaType.parseMediaType(request.getContentType()).getCharset();
        return declared != null ? declared : StandardCharsets.UTF_8;
    }

    /** A {@code {*key}} capture starts with the slash that separated it from {@code /kv}. */
    private static String relative(String captured) {
        return captured.startsWith("/") ? captured.substring(1) : captured;
    }
}
