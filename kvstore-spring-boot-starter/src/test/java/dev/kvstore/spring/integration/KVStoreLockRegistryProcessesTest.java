package dev.kvstore.spring.integration;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kvstore.etcd.EtcdKVStore;
import dev.kvstore.testing.EtcdServerExtension;
import dev.kvstore.testing.PythonProcess;
import dev.kvstore.testing.RequiresEtcd;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Lock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Two JVM processes contend for one lock through {@link KVStoreLockRegistry} on a real etcd. */
@RequiresEtcd
class KVStoreLockRegistryProcessesTest {

    @RegisterExtension
    static final EtcdServerExtension etcd = new EtcdServerExtension();

    static final Duration TTL = Duration.ofSeconds(3);
    static final List<String> JVM = List.of("-Xmx96m", "-XX:TieredStopAtLevel=1");
    static final Duration CHILD_TIMEOUT = Duration.ofMinutes(4);

    @Test
    void twoProcessesExcludeEachOtherOverAThousandAcquisitions(@TempDir Path dir) throws Exception {
        String namespace = "lockregistry-" + System.nanoTime();
        Path file = dir.resolve("critical-sections.log");
        int each = 500;
        try (PythonProcess first = contender(namespace, each, file);
                PythonProcess second = contender(namespace, each, file)) {
            first.awaitLine("DONE"::equals, CHILD_TIMEOUT);
            second.awaitLine("DONE"::equals, CHILD_TIMEOUT);
            first.assertSucceeds(Duration.ofSeconds(30));
            second.assertSucceeds(Duration.ofSeconds(30));
        }
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        assertThat(lines).hasSize(4 * each);
        for (int i = 0; i < lines.size(); i += 2) {
            assertThat(lines.get(i)).startsWith("start ");
            assertThat(lines.get(i + 1)).as("line %d: nobody else entered the critical section", i + 1)
                    .isEqualTo("end " + lines.get(i).substring("start ".length()));
        }
        assertThat(lines.stream().distinct().count()).as("both processes took part").isEqualTo(4);
        try (EtcdKVStore store = EtcdKVStore.builder().endpoints(etcd.endpoints()).namespace(namespace).build()) {
            assertThat(store.get("count")).contains(Integer.toString(2 * each));
        }
    }

    @Test
    void holderKilledWithSigkillIsReplacedWithinTheLeaseTtl() throws Exception {
        String namespace = "lockregistry-kill-" + System.nanoTime();
        try (EtcdKVStore store = EtcdKVStore.builder().endpoints(etcd.endpoints()).namespace(namespace)
                .leaseTtl(TTL).build();
                PythonProcess holder = PythonProcess.startJava(LockContenderChild.class, JVM, etcd.endpoint(),
                        namespace, TTL.toMillis(), "hold")) {
            holder.awaitLine("HELD"::equals, CHILD_TIMEOUT);
            Lock lock = new KVStoreLockRegistry(store).obtain("shared");
            assertThat(lock.tryLock()).as("the child holds it").isFalse();

            holder.close(); // SIGKILL
            long killed = System.nanoTime();
            assertThat(lock.tryLock(TTL.multipliedBy(10).toMillis(), TimeUnit.MILLISECONDS)).isTrue();
            assertThat(Duration.ofNanos(System.nanoTime() - killed)).isLessThan(TTL.plusSeconds(5));
            lock.unlock();
        }
    }

    private static PythonProcess contender(String namespace, int iterations, Path file) {
        return PythonProcess.startJava(LockContenderChild.class, JVM, etcd.endpoint(), namespace, TTL.toMillis(),
                "contend", iterations, file);
    }
}
