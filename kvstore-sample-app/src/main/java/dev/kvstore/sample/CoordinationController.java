package dev.kvstore.sample;

import dev.kvstore.api.KVStore;
import java.time.Duration;
import java.util.List;
import java.util.stream.IntStream;
import org.springframework.http.ResponseEntity;
import org.springframework.web.context.request.async.DeferredResult;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * What a coordination store is for: ranks registering, waiting for a group of ranks, and barriers. Every call here
 * works across processes: another instance of this app, or a PyTorch process using the same TCPStore master or etcd.
 *
 * <p>Every numeric parameter is checked against {@link SampleLimits} (400 naming the parameter and its range), and the
 * waits are parked off the request threads by {@link ParkedWaits} (429 beyond its cap).
 */
@RestController
class CoordinationController {

    static final String READY_PATTERN = "ranks/*/ready";

    private final KVStore store;
    private final RequestParameters parameters;
    private final ParkedWaits waits;

    CoordinationController(KVStore store, RequestParameters parameters, ParkedWaits waits) {
        this.store = store;
        this.parameters = parameters;
        this.waits = waits;
    }

    /** Marks a rank as ready: sets {@code ranks/{rank}/ready} to {@code 1}. */
    @PutMapping("/ranks/{rank}")
    ResponseEntity<Void> register(@PathVariable int rank) {
        store.set(readyKey(parameters.rank(rank)), KVStore.DEFAULT_READY_VALUE);
        return ResponseEntity.noContent().build();
    }

    /**
     * Waits until ranks {@code 0..expected-1} are ready. The candidate keys let the TCPStore backend wait on exactly
     * those keys (it cannot list keys); etcd ignores them and watches the prefix.
     */
    @GetMapping("/ranks")
    DeferredResult<ReadyRanks> awaitRanks(@RequestParam int expected,
            @RequestParam(defaultValue = "30") long timeoutSeconds) {
        int count = parameters.expected(expected);
        Duration timeout = parameters.timeout(timeoutSeconds);
        return waits.park("waiting for " + count + " ranks", count, timeout, () -> {
            // Built once the wait is parked: a refused wait allocates nothing per key.
            List<String> candidates = IntStream.range(0, count).mapToObj(CoordinationController::readyKey).toList();
            List<String> ready = store.waitForKeys(READY_PATTERN, count, candidates, timeout);
            return new ReadyRanks(ready.stream().map(CoordinationController::rankOf).toList());
        });
    }

    /** Blocks until {@code parties} callers, in any process, have reached the barrier of this name. */
    @PostMapping("/barriers/{name}")
    DeferredResult<BarrierPassed> barrier(@PathVariable String name, @RequestParam int parties,
            @RequestParam(defaultValue = "30") long timeoutSeconds) {
        int count = parameters.parties(parties);
        Duration timeout = parameters.timeout(timeoutSeconds);
        return waits.park("barrier '" + name + "'", 1, timeout, () -> {
            long start = System.nanoTime();
            store.barrier(name, count, timeout);
            return new BarrierPassed(name, count, Duration.ofNanos(System.nanoTime() - start).toMillis());
        });
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
