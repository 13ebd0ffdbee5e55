package dev.kvstore.tcp.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kvstore.testing.PythonProcess;
import java.time.Duration;

/**
 * A real torch 1.13 TCPStore client beside an attack: each {@link #roundTrip()} sets a key and reads it back, and must
 * succeed within a generous liveness limit (a stuck master fails the test, a slow one does not).
 */
final class TorchBystander implements AutoCloseable {

    /** How long one round trip may take before the master counts as not serving: liveness, not performance. */
    static final Duration LIVENESS = Duration.ofSeconds(60);

    private final PythonProcess torch;
    private int roundTrips;

    private TorchBystander(PythonProcess torch) {
        this.torch = torch;
    }

    /** Connects a torch client to the master on the port and waits until it is connected. */
    static TorchBystander connect(int port) throws InterruptedException {
        TorchBystander bystander = new TorchBystander(
                PythonProcess.start("torch_client_round_trips.py", "127.0.0.1", port));
        try {
            bystander.torch.awaitLineStartingWith("READY", LIVENESS);
        } catch (InterruptedException | RuntimeException | AssertionError e) {
            bystander.close();
            throw e;
        }
        return bystander;
    }

    /** One set/get round trip; fails the test if it fails or takes longer than {@link #LIVENESS}. */
    void roundTrip() throws InterruptedException {
        int n = roundTrips++;
        torch.send("RT " + n);
        String outcome = torch.awaitLineStartingWith("RT " + n + " ", LIVENESS);
        assertThat(outcome).as("torch round trip %d%s", n, torch.describe()).startsWith("ok ");
    }

    /** @return the value of the key read through torch's {@code store.get} (the key without torch's leading "/") */
    String get(String key) throws InterruptedException {
        torch.send("GET " + key);
        return torch.awaitLineStartingWith("VALUE " + key + " ", LIVENESS);
    }

    /** @return round trips done so far (all succeeded) */
    int roundTrips() {
        return roundTrips;
    }

    @Override
    public void close() {
        torch.close();
    }
}
