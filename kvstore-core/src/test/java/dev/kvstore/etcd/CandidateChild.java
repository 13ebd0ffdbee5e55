package dev.kvstore.etcd;

import dev.kvstore.api.KVElection;
import dev.kvstore.api.Locks;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.locks.LockSupport;

/**
 * A child JVM for {@link EtcdElectionProcessesTest}: campaigns for {@code leader} and, while leader, keeps writing
 * its term to the key {@code guard} unless a newer term is already there. A newer term seen while still leader means
 * two leaders at once: it logs {@code FENCED}. Logs {@code granted|revoked <term> <pid>} to the shared file.
 * Arguments: endpoint, namespace, lease TTL in milliseconds, shared file.
 */
public final class CandidateChild {

    private CandidateChild() {
    }

    public static void main(String[] args) {
        EtcdKVStore store = EtcdKVStore.builder().endpoints(args[0]).connectTimeout(Duration.ofSeconds(30))
                .requestTimeout(Duration.ofSeconds(30))
                .namespace(args[1]).leaseTtl(Duration.ofMillis(Long.parseLong(args[2]))).build();
        Path file = Path.of(args[3]);
        String pid = Long.toString(ProcessHandle.current().pid());
        KVElection election = store.capability(Locks.class).orElseThrow().elect("leader", new KVElection.Listener() {
            @Override
            public void granted(long term) {
                log(file, "granted " + term + " " + pid);
            }

            @Override
            public void revoked(long term) {
                log(file, "revoked " + term + " " + pid);
            }
        });
        System.out.println("CAMPAIGNING");
        while (true) {
            OptionalLong term = election.term();
            if (term.isEmpty()) {
                LockSupport.parkNanos(20_000_000);
                continue;
            }
            try {
                Optional<String> guard = store.get("guard");
                long seen = guard.map(Long::parseLong).orElse(0L);
                if (seen > term.getAsLong()) {
                    log(file, "FENCED " + term.getAsLong() + " " + pid + " saw " + seen);
                } else if (seen < term.getAsLong()) {
                    store.compareAndSet("guard", guard.map(g -> g.getBytes(StandardCharsets.UTF_8)).orElse(null),
                            Long.toString(term.getAsLong()).getBytes(StandardCharsets.UTF_8));
                }
            } catch (RuntimeException e) {
                System.out.println("WRITE FAILED " + e.getMessage()); // etcd trouble: try again
            }
            LockSupport.parkNanos(20_000_000);
        }
    }

    private static void log(Path file, String line) {
        try {
            Files.writeString(file, line + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
