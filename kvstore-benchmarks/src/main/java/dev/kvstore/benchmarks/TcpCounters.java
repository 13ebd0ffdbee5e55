package dev.kvstore.benchmarks;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/** The host's TCP segment counter: on loopback, every segment of every connection, ACKs included. */
final class TcpSegments {

    private TcpSegments() {
    }

    /** @return {@code OutSegs} from the {@code Tcp:} lines of {@code /proc/net/snmp} */
    static long sent() {
        try {
            return outSegs(Files.readAllLines(Path.of("/proc/net/snmp")));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static long outSegs(List<String> snmp) {
        List<String[]> tcp = snmp.stream().filter(line -> line.startsWith("Tcp:")).map(line -> line.split("\\s+"))
                .toList();
        if (tcp.size() < 2) {
            throw new IllegalStateException("no Tcp: lines in /proc/net/snmp");
        }
        int column = Arrays.asList(tcp.get(0)).indexOf("OutSegs");
        if (column < 0) {
            throw new IllegalStateException("no OutSegs column in /proc/net/snmp");
        }
        return Long.parseLong(tcp.get(1)[column]);
    }
}
