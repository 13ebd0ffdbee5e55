package dev.kvstore.benchmarks;

import dev.kvstore.testing.FreePorts;
import dev.kvstore.testing.PythonProcess;
import dev.kvstore.testing.PythonRuntime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * What the scale suite runs ranks against: the master processes of one rendezvous and the ports its ranks connect to.
 * The Java master and PyTorch's masters are one process and one port; {@link #gateways} (several processes and ports
 * on one etcd, the ranks spread over them) is another implementation of this interface.
 */
interface ScaleTarget {

    /** The name of {@link #answerOnly}'s rows. */
    String ANSWER_ONLY = "answer-only yardstick";
    /** The name of the rows of {@link #gateways} on one etcd member. */
    String GATEWAYS_ONE_ETCD = "gateways, one etcd";
    /** Ranks one gateway serves at most: the "about 16K per gateway", within one process's open files. */
    int RANKS_PER_GATEWAY = 16_384;

    /** @return the row's name, e.g. "Java master" */
    String name();

    /** @return the generation of the ranks run against it */
    RankGeneration ranks();

    /**
     * @return how many gateways serve {@code ranks} ranks; 0 for a target that is one master process holding every
     *     rank's connection
     */
    default int gatewaysFor(int ranks) {
        return 0;
    }

    /** @return why the target cannot run on this machine (its torch unavailable), or null */
    default @Nullable String unavailable() {
        return null;
    }

    /**
     * Starts the master(s) of a rendezvous of {@code worldSize} processes (the ranks and the master itself, as
     * {@code TCPStore(world_size=...)} counts), waiting for workers at most {@code timeout}.
     *
     * @param jvmOptions the options a Java process of the target adds, given its name (a flight recording)
     */
    Started start(int worldSize, Duration timeout, Function<String, List<String>> jvmOptions);

    /**
     * A started target: its processes (CPU and heap are summed over them) and the ports the ranks connect to, spread
     * round-robin. The first process is the master whose wait for its workers is timed: it prints
     * {@code INIT_DONE <epoch µs>} or {@code INIT_FAILED <epoch µs> <reason>}. A gateway target's first process is its
     * first gateway, constructed as the job's master; {@code etcd} is the etcd its gateways share (null for a master
     * that keeps its keys itself), stopped after them.
     */
    record Started(List<PythonProcess> processes, List<Integer> ports, boolean javaHeap, @Nullable ScaleEtcd etcd)
            implements AutoCloseable {

        /**
         * @return the epoch µs when the master's wait for its workers completed
         * @throws IllegalStateException naming how the master failed (its timeout, or an error)
         * @throws AssertionError when the master printed neither within the timeout
         */
        long awaitInit(Duration timeout) throws InterruptedException {
            String line = processes.get(0).awaitLine(l -> l.startsWith("INIT_"), timeout);
            String[] words = line.split(" ", 3);
            if (words[0].equals("INIT_FAILED")) {
                throw new IllegalStateException(words.length > 2 ? words[2] : "failed");
            }
            return Long.parseLong(words[1]);
        }

        /**
         * @return what the master printed if it failed before it listens (its {@code INIT_FAILED} line, or that it
         *     exited, with its output), after waiting at most {@code wait} for it; null while it is still starting
         */
        @Nullable String failedBeforeListening(Duration wait) throws InterruptedException {
            PythonProcess master = processes.get(0);
            try {
                // Nothing but a failure can come before the master listens: INIT_DONE needs the ranks.
                return master.awaitLine(l -> l.startsWith("INIT_"), wait);
            } catch (AssertionError e) {
                return master.isAlive() ? null : "exited: " + master.describe().replace('\n', ' ');
            }
        }

        /** @return the CPU time (user + system) the processes used so far, seconds */
        double cpuSeconds() {
            double total = 0;
            for (PythonProcess process : processes) {
                total += ProcessCpu.seconds(process.pid());
            }
            return total;
        }

        /** @return heap used after GC in the Java processes, bytes (0 without Java processes) */
        long heapAfterGc() throws InterruptedException {
            long total = 0;
            if (javaHeap) {
                for (PythonProcess process : processes) {
                    process.send("HEAP");
                    total += Long.parseLong(process.awaitLineStartingWith("HEAP ", Duration.ofSeconds(60)).trim());
                }
            }
            return total;
        }

        /** Stops the processes with SIGTERM, so that a Java process writes its flight recording, then kills them. */
        @Override
        public void close() {
            processes.forEach(process -> process.stop(Duration.ofSeconds(30)));
            if (etcd != null) {
                etcd.close();
            }
        }
    }

    /** @return a Java process's options: a 1 GiB heap, and what the suite adds for the process {@code name} */
    private static List<String> jvm(Function<String, List<String>> jvmOptions, String name) {
        List<String> options = new ArrayList<>(List.of("-Xmx1g"));
        options.addAll(jvmOptions.apply(name));
        return options;
    }

    /** The Java master ({@link ServerMain} as the master of a rendezvous) in its own JVM. */
    static ScaleTarget javaMaster(RankGeneration ranks) {
        return new ScaleTarget() {
            @Override
            public String name() {
                return "Java master";
            }

            @Override
            public RankGeneration ranks() {
                return ranks;
            }

            @Override
            public Started start(int worldSize, Duration timeout, Function<String, List<String>> jvmOptions) {
                int port = FreePorts.pick();
                return new Started(List.of(PythonProcess.startJava(ServerMain.class, jvm(jvmOptions, "master"), port,
                        worldSize, timeout.toSeconds())), List.of(port), true, null);
            }
        };
    }

    /** The machine's ceiling for the workload: {@link AnswerOnlyMaster} in its own JVM, not a TCPStore. */
    static ScaleTarget answerOnly(RankGeneration ranks) {
        return new ScaleTarget() {
            @Override
            public String name() {
                return ANSWER_ONLY;
            }

            @Override
            public RankGeneration ranks() {
                return ranks;
            }

            @Override
            public Started start(int worldSize, Duration timeout, Function<String, List<String>> jvmOptions) {
                int port = FreePorts.pick();
                return new Started(List.of(PythonProcess.startJava(AnswerOnlyMaster.class,
                        jvm(jvmOptions, "master"), port, worldSize)), List.of(port), false, null);
            }
        };
    }

    /** PyTorch's own master of the ranks' generation ({@code bench_scale_master.py}; the classic server). */
    static ScaleTarget torchMaster(RankGeneration ranks) {
        return new ScaleTarget() {
            @Override
            public String name() {
                return "PyTorch " + ranks.label() + " master";
            }

            @Override
            public RankGeneration ranks() {
                return ranks;
            }

            @Override
            public @Nullable String unavailable() {
                PythonRuntime runtime = ranks.runtime();
                try {
                    runtime.require();
                    return null;
                } catch (AssertionError | RuntimeException e) {
                    return e.getMessage().lines().findFirst().orElse("unavailable");
                }
            }

            @Override
            public Started start(int worldSize, Duration timeout, Function<String, List<String>> jvmOptions) {
                int port = FreePorts.pick();
                return new Started(List.of(PythonProcess.start(ranks.runtime(), "bench_scale_master.py", port,
                        worldSize, timeout.toSeconds())), List.of(port), false, null);
            }
        };
    }

    /**
     * TCPStore gateways on etcd ({@link ServerMain} with {@code --etcd}, each in its own JVM, all on one etcd prefix),
     * {@code ranksPerGateway} ranks per gateway at most: the first gateway is the job's master (constructed as
     * {@code TCPStore(world_size=N+1, is_master=True)} with its keys in etcd, it registers itself and waits until the
     * {@code init/} count in etcd reaches N+1), the others serve their share of the ranks. A fresh etcd per row: one
     * member, or a cluster of {@code etcdMembers}.
     */
    static ScaleTarget gateways(int etcdMembers, int ranksPerGateway) {
        return new ScaleTarget() {
            @Override
            public String name() {
                return etcdMembers == 1 ? GATEWAYS_ONE_ETCD : "gateways, " + etcdMembers + "-member etcd";
            }

            @Override
            public RankGeneration ranks() {
                return RankGeneration.TORCH_NEWEST;
            }

            @Override
            public int gatewaysFor(int ranks) {
                return (ranks + ranksPerGateway - 1) / ranksPerGateway;
            }

            @Override
            public Started start(int worldSize, Duration timeout, Function<String, List<String>> jvmOptions) {
                int gateways = gatewaysFor(worldSize - 1);
                ScaleEtcd etcd = ScaleEtcd.start(etcdMembers);
                List<PythonProcess> processes = new ArrayList<>();
                try {
                    List<Object> storage = List.of("--etcd=" + etcd.endpoints(),
                            "--prefix=kvstore-scale/" + UUID.randomUUID() + "/");
                    int masterPort = FreePorts.pick();
                    List<Object> masterArgs = new ArrayList<>(List.of(masterPort, worldSize, timeout.toSeconds()));
                    masterArgs.addAll(storage);
                    processes.add(PythonProcess.startJava(ServerMain.class, jvm(jvmOptions, "gateway-0"),
                            masterArgs.toArray()));
                    for (int g = 1; g < gateways; g++) {
                        processes.add(PythonProcess.startJava(ServerMain.class, jvm(jvmOptions, "gateway-" + g),
                                storage.toArray()));
                    }
                    List<Integer> ports = new ArrayList<>(List.of(masterPort));
                    for (PythonProcess gateway : processes.subList(1, processes.size())) {
                        ports.add(Integer.parseInt(gateway.awaitLineStartingWith("PORT ", Duration.ofSeconds(120))
                                .trim()));
                    }
                    return new Started(processes, ports, true, etcd);
                } catch (RuntimeException | Error | InterruptedException e) {
                    processes.forEach(PythonProcess::close);
                    etcd.close();
                    if (e instanceof InterruptedException) {
                        Thread.currentThread().interrupt();
                    }
                    throw e instanceof RuntimeException r ? r : new IllegalStateException(e.toString(), e);
                }
            }
        };
    }
}
