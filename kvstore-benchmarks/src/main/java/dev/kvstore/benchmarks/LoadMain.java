package dev.kvstore.benchmarks;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The Java TCPStore load generator in its own JVM, the counterpart of {@code bench_tcp_load.py}: runs one measurement
 * with {@link JavaTcpLoad} and prints its result as one JSON line.
 *
 * <pre>
 * throughput PORT OP CONNS WARMUP_S SECONDS   -> {"ops_per_s": x, "ops": n, "segments": s}
 * latency PORT OP N WARMUP_S                  -> {"p50_us": x, "p99_us": y, "ops_per_s": z}
 * barrier PORT WORLD ROUNDS PREFIX WARMUP     -> {"seconds": [round times]} (after WARMUP unreported rounds)
 * </pre>
 */
public final class LoadMain {

    private LoadMain() {
    }

    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[1]);
        String result = switch (args[0]) {
            case "throughput" -> {
                ThroughputRun.Result rate = JavaTcpLoad.throughput(port, args[2], Integer.parseInt(args[3]),
                        Double.parseDouble(args[4]), Double.parseDouble(args[5]));
                yield String.format(Locale.ROOT, "{\"ops_per_s\": %f, \"ops\": %d, \"segments\": %d}",
                        rate.opsPerSecond(), rate.operations(), rate.counterDelta());
            }
            case "latency" -> {
                Stats stats = JavaTcpLoad.latency(port, args[2], Integer.parseInt(args[3]),
                        Double.parseDouble(args[4]));
                yield String.format(Locale.ROOT, "{\"p50_us\": %f, \"p99_us\": %f, \"ops_per_s\": %f}",
                        stats.p50Micros(), stats.p99Micros(), stats.opsPerSecond());
            }
            case "barrier" -> {
                int warmup = Integer.parseInt(args[5]);
                double[] seconds = JavaTcpLoad.barrier(port, Integer.parseInt(args[2]),
                        warmup + Integer.parseInt(args[3]), args[4]);
                yield "{\"seconds\": [" + Arrays.stream(seconds).skip(warmup).mapToObj(Double::toString)
                        .collect(Collectors.joining(", ")) + "]}";
            }
            default -> throw new IllegalArgumentException("unknown mode " + args[0]);
        };
        System.out.println(result);
        System.out.flush();
    }
}
