package dev.kvstore.benchmarks;

import dev.kvstore.testing.PythonRuntime;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The TCPStore masters the server, barrier and client suites share: the Java master, PyTorch 1.13's and, when its
 * clients are selected and the chroot is there, PyTorch 2.6's; and the lanes of clients compared on them.
 */
final class TcpStoreMasters implements AutoCloseable {

    /**
     * One kind of client against the Java master and a PyTorch master: Java clients or Python clients of a torch
     * version ({@code python} null for Java clients), compared on that torch version's master.
     */
    record Lane(String clients, @Nullable PythonRuntime python, Peers.TorchMaster torch) {
        boolean javaClients() {
            return python == null;
        }
    }

    private final Peers.JavaMaster java;
    private final Peers.TorchMaster torch;
    private final Peers.@Nullable TorchMaster torch26;
    private final List<Lane> lanes = new ArrayList<>();
    /** Why the torch 2.6 rows are missing, or null. */
    private @Nullable String torch26Missing;

    TcpStoreMasters(CpuLayout layout, Set<String> clients) {
        java = new Peers.JavaMaster(layout);
        Peers.TorchMaster torch113 = null;
        try {
            torch113 = new Peers.TorchMaster(layout, PythonRuntime.TORCH_1_13);
            torch26 = clients.contains("torch2.6") ? startTorch26Master(layout) : null;
        } catch (RuntimeException | Error e) {
            if (torch113 != null) {
                torch113.close();
            }
            java.close();
            throw e;
        }
        torch = torch113;
        if (clients.contains("java")) {
            lanes.add(new Lane("Java (LEGACY)", null, torch));
        }
        if (clients.contains("torch1.13")) {
            lanes.add(new Lane("PyTorch 1.13 Python", PythonRuntime.TORCH_1_13, torch));
        }
        if (torch26 != null) {
            lanes.add(new Lane("PyTorch 2.6 Python", PythonRuntime.TORCH_2_6, torch26));
        }
    }

    /** @return torch 2.6's master from the chroot, or null (its rows are left out, saying why) */
    private Peers.@Nullable TorchMaster startTorch26Master(CpuLayout layout) {
        try {
            PythonRuntime.TORCH_2_6.require();
            return new Peers.TorchMaster(layout, PythonRuntime.TORCH_2_6);
        } catch (AssertionError | RuntimeException e) {
            torch26Missing = e.getMessage().lines().findFirst().orElse("unavailable");
            BenchmarkRun.progress("no torch 2.6 rows: " + torch26Missing);
            return null;
        }
    }

    Peers.JavaMaster java() {
        return java;
    }

    /** @return PyTorch 1.13's master */
    Peers.TorchMaster torch() {
        return torch;
    }

    List<Lane> lanes() {
        return lanes;
    }

    /** @return why there is no torch 2.6 master, or null */
    @Nullable String torch26Missing() {
        return torch26Missing;
    }

    @Override
    public void close() {
        if (torch26 != null) {
            torch26.close();
        }
        torch.close();
        java.close();
    }
}
