package dev.kvstore.spring.integration;

import dev.kvstore.etcd.EtcdKVStore;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.concurrent.locks.Lock;

/**
 * A child JVM for {@link KVStoreLockRegistryProcessesTest}: contends for one lock through a
 * {@link KVStoreLockRegistry} on etcd.
 *
 * <p>Arguments: endpoint, namespace, lease TTL in ms, mode, and for {@code contend}: iterations and a shared file.
 * {@code contend}: acquires the lock {@code iterations} times; under it, appends {@code start <pid>} and
 * {@code end <pid>} to the file and increments the etcd counter {@code count} non-atomically (get, then set), so that
 * only the lock keeps both exact; prints {@code DONE}. {@code hold}: acquires, prints {@code HELD}, and holds until
 * killed.
 */
public final class LockContenderChild {

    private LockContenderChild() {
    }

    public static void main(String[] args) throws Exception {
        EtcdKVStore store = EtcdKVStore.builder().endpoints(args[0]).connectTimeout(Duration.ofSeconds(30))
                .requestTimeout(Duration.ofSeconds(30))
                .namespace(args[1])
                .leaseTtl(Duration.ofMillis(Long.parseLong(args[2]))).build();
        Lock lock = new KVStoreLockRegistry(store).obtain("shared");
        String pid = Long.toString(ProcessHandle.current().pid());
        if (args[3].equals("hold")) {
            lock.lock();
            System.out.println("HELD");
            Thread.sleep(Long.MAX_VALUE); // until killed
        }
        int iterations = Integer.parseInt(args[4]);
        Path file = Path.of(args[5]);
        System.out.println("READY");
        for (int i = 0; i < iterations; i++) {
            lock.lock();
            try {
                append(file, "start " + pid);
                long count = store.get("count").map(Long::parseLong).orElse(0L);
                store.set("count", Long.toString(count + 1));
                append(file, "end " + pid);
            } finally {
                lock.unlock();
            }
        }
        System.out.println("DONE");
        store.close();
    }

    private static void append(Path file, String line) throws IOException {
        Files.writeString(file, line + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                StandardOpenOption.APPEND);
    }
}
