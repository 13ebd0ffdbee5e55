package dev.kvstore.sample;

import dev.kvstore.api.KVStore;
import java.time.Duration;
import java.util.List;
import java.util.stream.IntStream;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * What a coordination store is for: ranks registering, waiting for a group of ranks, and barriers. Every call here
 * works across processes: another instance of this app, or a PyTorch process using the same TCPStore master or etcd.
 */
@RestController
class CoordinationController {

    static final String READY_PATTERN = "ranks/*/ready";

    private final KVStore store;

    CoordinationController(KVStore store) {
        this.store = store;
    }

    /** Marks a rank as ready: sets {@code ranks/{rank}/ready} to {@code 1}. */
    @PutMapping("/ranks/{rank}")
    ResponseEntity<Void> register(@PathVariable int rank) {
        store.set(readyKey(rank), KVStore.DEFAULT_READY_VALUE);
        return ResponseEntity.noContent().build();
    }

    /**
     * Waits until ranks {@code 0..expected-1} are ready. The candidate keys let the TCPStore backend wait on exactly
     * those keys (it cannot list keys); etcd ignores them and watches the prefix.
     */
    @GetMapping("/ranks")
    ReadyRanks awaitRanks(@RequestParam int expected, @RequestParam(defaultValue = "30") long timeoutSeconds) {
        List<String> candidates = IntStream.range(0, expected).mapToObj(CoordinationController::readyKey).toList();
        List<String> ready = store.waitForKeys(READY_PATTERN, expected, KVStore.DEFAULT_READY_VALUE,
                Duration.ofSeconds(timeoutSeconds), candidates);
        return new ReadyRanks(ready.stream().map(CoordinationController::rankOf).toList());
    }

    /** Blocks until {@code parties} callers, in any process, have reached the barrier of this name. */
    @PostMapping("/barriers/{name}")
    BarrierPassed barrier(@PathVariable String name, @RequestParam int parties,
            @RequestParam(defaultValue = "30") long timeoutSeconds) {
        long start = System.nanoTime();
        store.barrier(name, parties, Duration.ofSeconds(timeoutSeconds));
        return new BarrierPassed(name, parties, Duration.ofNanos(System.nanoTime() - start).toMillis());
    }

    private static String readyKey(int rank) {
        return "ranks/" + rank + "/ready";
    }

    private static int rankOf(String readyKey) {
        return Integer.parseInt(readyKey.substring("ranks/".length(), readyKey.length() - "/ready".length()));
    }

    record ReadyRanks(List<Integer> ready) {
    }

    record BarrierPassed(String barrier, int parties, long waitedMillis) {
    }
}
