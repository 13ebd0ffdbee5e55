package dev.kvstore.benchmarks;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * The host's TCP counters: the segments sent (on loopback, every segment of every connection, ACKs included) and the
 * {@code TcpExt} counters of {@code /proc/net/netstat}, such as the listen queues' overflows.
 */
final class TcpCounters {

    private TcpCounters() {
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
        return column(snmp, "Tcp:", "OutSegs");
    }

    /** @return a {@code TcpExt:} counter of {@code /proc/net/netstat}, e.g. {@code ListenOverflows} */
    static long tcpExt(String name) {
        try {
            return column(Files.readAllLines(Path.of("/proc/net/netstat")), "TcpExt:", name);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static long column(List<String> lines, String prefix, String name) {
        List<String[]> rows = lines.stream().filter(line -> line.startsWith(prefix)).map(line -> line.split("\\s+"))
                .toList();
        if (rows.size() < 2) {
            throw new IllegalStateException("no " + prefix + " lines");
        }
        int column = Arrays.asList(rows.get(0)).indexOf(name);
        if (column < 0) {
            throw new IllegalStateException("no " + name + " column in the " + prefix + " lines");
        }
        return Long.parseLong(rows.get(1)[column]);
    }
}
