package dev.kvstore.etcd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kvstore.testing.EtcdServerExtension;
import dev.kvstore.testing.PythonProcess;
import dev.kvstore.testing.RequiresEtcd;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three processes campaign on a real etcd; the leader is killed with SIGKILL; another takes over within the lease
 * TTL, and at no time do two act as leader (their writes are fenced by term: an older leader seeing a newer term
 * while it still believes it leads would log FENCED).
 */
@RequiresEtcd
class EtcdElectionProcessesTest {

    @RegisterExtension
    static final EtcdServerExtension etcd = new EtcdServerExtension();

    static final Duration TTL = Duration.ofSeconds(3);

    @Test
    void killedLeaderIsReplacedWithinTheTtlAndNeverTwoLeadAtOnce(@TempDir Path dir) throws Exception {
        String namespace = "election-" + System.nanoTime();
        Path file = dir.resolve("leadership.log");
        List<PythonProcess> candidates = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) { // one after the other: three JVMs starting at once starve a small machine
                PythonProcess candidate = PythonProcess.startJava(CandidateChild.class,
                        List.of("-Xmx64m", "-XX:TieredStopAtLevel=1"), etcd.endpoint(), namespace, TTL.toMillis(), file);
                candidates.add(candidate);
                candidate.awaitLine("CAMPAIGNING"::equals, Duration.ofSeconds(90));
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> granted(file).size() == 1);
            String[] first = granted(file).get(0).split(" ");
            PythonProcess leader = candidates.stream()
                    .filter(c -> Long.toString(c.pid()).equals(first[2])).findFirst().orElseThrow();
            // Let the leader write its term a while, with the others campaigning.
            await().atMost(Duration.ofSeconds(30)).until(() -> guard(namespace).equals(first[1]));

            leader.close(); // SIGKILL
            long killed = System.nanoTime();
            await().atMost(TTL.plusSeconds(20)).until(() -> granted(file).size() == 2);
            Duration takeover = Duration.ofNanos(System.nanoTime() - killed);
            String[] second = granted(file).get(1).split(" ");
            assertThat(second[2]).isNotEqualTo(first[2]);
            assertThat(Long.parseLong(second[1])).isGreaterThan(Long.parseLong(first[1]));
            assertThat(takeover).isLessThan(TTL.plusSeconds(5));
            await().atMost(Duration.ofSeconds(30)).until(() -> guard(namespace).equals(second[1]));

            List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            assertThat(lines).noneMatch(line -> line.startsWith("FENCED"));
            assertThat(granted(file)).hasSize(2);
        } finally {
            candidates.forEach(PythonProcess::close);
        }
    }

    private static List<String> granted(Path file) throws Exception {
        if (!Files.exists(file)) {
            return List.of();
        }
        return Files.readAllLines(file, StandardCharsets.UTF_8).stream().filter(l -> l.startsWith("granted")).toList();
    }

    private static String guard(String namespace) {
        try (EtcdKVStore store = EtcdKVStore.builder().endpoints(etcd.endpoints()).namespace(namespace).build()) {
            return store.get("guard").orElse("");
        }
    }
}
