package dev.kvstore.sample;

import dev.kvstore.api.KVStore;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/** Plain key-value access: {@code /kv/{key}}, where the key may contain slashes. Values are UTF-8 text. */
@RestController
@RequestMapping("/kv")
class KeyValueController {

    private final KVStore store;

    KeyValueController(KVStore store) {
        this.store = store;
    }

    @PutMapping(path = "/{*key}", consumes = MediaType.ALL_VALUE)
    ResponseEntity<Void> put(@PathVariable String key, @RequestBody String value) {
        store.set(relative(key), value);
        return ResponseEntity.noContent().build();
    }

    @GetMapping(path = "/{*key}", produces = MediaType.TEXT_PLAIN_VALUE)
    ResponseEntity<String> get(@PathVariable String key) {
        return ResponseEntity.of(store.get(relative(key)));
    }

    @DeleteMapping("/{*key}")
    ResponseEntity<Void> delete(@PathVariable String key) {
        return store.delete(relative(key)) ? ResponseEntity.noContent().build() : ResponseEntity.notFound().build();
    }

    /** A {@code {*key}} capture starts with the slash that separated it from {@code /kv}. */
    private static String relative(String captured) {
        return captured.startsWith("/") ? captured.substring(1) : captured;
    }
}
