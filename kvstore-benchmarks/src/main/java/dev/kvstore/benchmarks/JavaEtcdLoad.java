package dev.kvstore.benchmarks;

import dev.kvstore.api.KVStore;
import dev.kvstore.api.KeysQuery;
import com.google.common.util.concurrent.Futures;
import com.google.common.util.concurrent.ListenableFuture;
import com.google.protobuf.ByteString;
import dev.kvstore.etcd.EtcdKVStore;
import io.etcd.jetcd.api.KVGrpc;
import io.etcd.jetcd.api.PutRequest;
import io.etcd.jetcd.api.RangeRequest;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.netty.channel.ManualIoEventLoop;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/** The same load as {@code bench_etcd.py}, through {@link EtcdKVStore}. */
final class JavaEtcdLoad {

    private static final byte[] VALUE = "v".repeat(16).getBytes(StandardCharsets.UTF_8);
    private static final Duration WAIT = Duration.ofSeconds(60);

    private JavaEtcdLoad() {
    }

    static EtcdKVStore open(String endpoint) {
        return EtcdKVStore.builder().endpoints(endpoint).namespace("bench").component("java").build();
    }

    private static Runnable operation(KVStore store, String op, int index) {
        String key = "k" + index;
        store.setBytes(key, VALUE);
        return switch (op) {
            case "set" -> () -> store.setBytes(key, VALUE);
            case "get" -> () -> store.getBytes(key);
            default -> throw new IllegalArgumentException("unknown op " + op);
        };
    }

    static Stats latency(String endpoint, String op, int n, double warmupSeconds) {
        try (EtcdKVStore store = open(endpoint)) {
            return Stats.warmedUpTime(n, Math.max(50, n / 10), warmupSeconds, operation(store, op, 0), () -> { });
        }
    }

    /**
     * The same sequential load through a plain grpc-java blocking stub on its own channel, without jetcd or the store:
     * the least a Java gRPC client on Netty costs per call (the call is written by Netty's event loop and its answer
     * read there, two thread hand-offs that python-etcd3's C core does not make).
     */
    static Stats grpcLatency(int port, String op, int n, double warmupSeconds) {
        ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
        try {
            KVGrpc.KVBlockingStub kv = KVGrpc.newBlockingStub(channel);
            ByteString key = ByteString.copyFromUtf8("bench/grpc/k0");
            PutRequest put = PutRequest.newBuilder().setKey(key).setValue(ByteString.copyFrom(VALUE)).build();
            RangeRequest get = RangeRequest.newBuilder().setKey(key).build();
            kv.put(put);
            Runnable call = switch (op) {
                case "set" -> () -> kv.withDeadlineAfter(WAIT.toMillis(), TimeUnit.MILLISECONDS).put(put);
                case "get" -> () -> kv.withDeadlineAfter(WAIT.toMillis(), TimeUnit.MILLISECONDS).range(get);
                default -> throw new IllegalArgumentException("unknown op " + op);
            };
            return Stats.warmedUpTime(n, Math.max(50, n / 10), warmupSeconds, call, () -> { });
        } finally {
            channel.shutdownNow();
        }
    }

    /**
     * The same plain-stub load, with the calling thread driving the channel's event loop itself (Netty's
     * {@link ManualIoEventLoop}: it writes the request and reads the answer while it waits), as python-etcd3's C core
     * does: no hand-off to an event-loop thread and back. The transport is the same (NIO); what differs is who does
     * the I/O. A client shared by many threads cannot work this way (a loop has one owning thread), so this row shows
     * what the hand-offs cost, not a path the store could take.
     */
    static Stats grpcCallerLoopLatency(int port, String op, int n, double warmupSeconds) {
        ManualIoEventLoop loop = new ManualIoEventLoop(Thread.currentThread(), NioIoHandler.newFactory());
        ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext()
                .eventLoopGroup(loop).channelType(NioSocketChannel.class).directExecutor().build();
        try {
            KVGrpc.KVFutureStub kv = KVGrpc.newFutureStub(channel);
            ByteString key = ByteString.copyFromUtf8("bench/grpc-loop/k0");
            PutRequest put = PutRequest.newBuilder().setKey(key).setValue(ByteString.copyFrom(VALUE)).build();
            RangeRequest get = RangeRequest.newBuilder().setKey(key).build();
            Supplier<ListenableFuture<?>> issue = switch (op) {
                case "set" -> () -> kv.withDeadlineAfter(WAIT.toMillis(), TimeUnit.MILLISECONDS).put(put);
                case "get" -> () -> kv.withDeadlineAfter(WAIT.toMillis(), TimeUnit.MILLISECONDS).range(get);
                default -> throw new IllegalArgumentException("unknown op " + op);
            };
            Runnable call = () -> {
                ListenableFuture<?> answer = issue.get();
                while (!answer.isDone()) {
                    loop.run(TimeUnit.MILLISECONDS.toNanos(100));
                }
                Futures.getUnchecked(answer);
            };
            call.run();
            return Stats.warmedUpTime(n, Math.max(50, n / 10), warmupSeconds, call, () -> { });
        } finally {
            channel.shutdownNow();
            while (!channel.isTerminated()) {
                loop.run(TimeUnit.MILLISECONDS.toNanos(10));
            }
            loop.shutdown();
            while (!loop.isTerminated()) {
                loop.runNow();
            }
        }
    }

    /** @return operations per second of {@code threads} threads sharing one store */
    static double throughput(String endpoint, String op, int threads, double warmup, double seconds)
            throws Exception {
        try (EtcdKVStore store = open(endpoint)) {
            List<ThroughputRun.Worker> workers = new ArrayList<>();
            for (int i = 0; i < threads; i++) {
                Runnable run = operation(store, op, i);
                workers.add(run::run);
            }
            return ThroughputRun.opsPerSecond(workers, warmup, seconds, 1);
        }
    }

    /** Wake-up latency: from the start of a set (another client) to the return of a waiting waitForKey. */
    static Stats wake(String endpoint, int n) throws Exception {
        ExecutorService executor = Executors.newSingleThreadExecutor();
        try (EtcdKVStore waiter = open(endpoint); EtcdKVStore setter = open(endpoint)) {
            long[] samples = new long[n];
            for (int i = 0; i < n + 10; i++) {
                String key = "wake/" + i;
                CountDownLatch started = new CountDownLatch(1);
                Future<Long> woke = executor.submit(() -> {
                    started.countDown();
                    waiter.waitForKey(key, WAIT);
                    return System.nanoTime();
                });
                started.await();
                Thread.sleep(20); // let the waiter read and start its watch
                long t0 = System.nanoTime();
                setter.set(key, "1");
                long latency = woke.get() - t0;
                if (i >= 10) {
                    samples[i - 10] = latency;
                }
            }
            return Stats.of(samples, 1);
        } finally {
            executor.shutdownNow();
        }
    }

    /**
     * waitForKeys over {@code ranks} rank keys: one waiter waits for all of them while the ranks' keys are set; the
     * sample is the time from the start of the last rank's set to the waiter's return.
     *
     * @return wake latency stats; {@code opsPerSecond} holds the median round time in ms (first set to wake-up)
     */
    static Stats wakeKeys(String endpoint, int ranks, int rounds) throws Exception {
        try (EtcdKVStore waiter = open(endpoint); EtcdKVStore setter = open(endpoint)) {
            long[] samples = new long[rounds];
            double[] roundMillis = new double[rounds];
            for (int r = 0; r < rounds + 1; r++) {
                String prefix = "r" + ranks + "-" + r + "/";
                CompletableFuture<Long> woke = CompletableFuture.supplyAsync(() -> {
                    waiter.waitForKeys(KeysQuery.matching(prefix + "rank:*", ranks), WAIT);
                    return System.nanoTime();
                });
                Thread.sleep(20);
                long begin = System.nanoTime();
                for (int i = 0; i < ranks - 1; i++) {
                    setter.set(prefix + "rank:" + i, "1");
                }
                long t0 = System.nanoTime();
                setter.set(prefix + "rank:" + (ranks - 1), "1");
                long end = woke.get();
                if (r > 0) {
                    samples[r - 1] = end - t0;
                    roundMillis[r - 1] = (end - begin) / 1e6;
                }
            }
            Stats wake = Stats.of(samples, 1);
            return new Stats(wake.p50Micros(), wake.p99Micros(), Stats.median(roundMillis));
        }
    }
}
