package dev.kvstore.benchmarks;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code --netns}: the harness runs again inside a network namespace of its own ({@code unshare --net}, root only),
 * where it may raise the listen-queue limits that the host's namespace keeps at {@code net.core.somaxconn} 4096 and
 * {@code net.ipv4.tcp_max_syn_backlog} 2048. Every master, simulator and etcd it starts shares that namespace and its
 * loopback; nothing it sends can leave it.
 */
final class NetworkNamespace {

    /** Set in the harness that runs inside the namespace, so that it does not create another one. */
    static final String INSIDE = "KVSTORE_BENCHMARKS_NETNS";
    /** What the namespace raises both listen-queue limits to. */
    static final int LISTEN_QUEUE = 65_535;

    private NetworkNamespace() {
    }

    /** @return whether this harness runs in the namespace {@link #relaunch} created */
    static boolean inside() {
        return System.getenv(INSIDE) != null;
    }

    /**
     * Runs this harness with the same JVM options and arguments in a new network namespace, loopback up and the
     * listen-queue limits raised, and waits for it.
     *
     * @return its exit code
     */
    static int relaunch(String[] args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("unshare", "--net", "--", "sh", "-c",
                "ip link set lo up && sysctl -q -w net.core.somaxconn=" + LISTEN_QUEUE
                        + " net.ipv4.tcp_max_syn_backlog=" + LISTEN_QUEUE + " && exec \"$0\" \"$@\"",
                Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        command.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), BenchmarkMain.class.getName()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).inheritIO();
        builder.environment().put(INSIDE, "1");
        int code = builder.start().waitFor();
        if (code != 0) {
            System.err.println("the harness in its own network namespace exited with " + code + " (creating one "
                    + "needs root: unshare --net, ip, sysctl)");
        }
        return code;
    }
}
