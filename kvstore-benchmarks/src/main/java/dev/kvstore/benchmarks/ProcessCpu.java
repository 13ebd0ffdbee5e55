package dev.kvstore.benchmarks;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** CPU time of a process from {@code /proc/PID/stat} (user + system, its exited children not included). */
final class ProcessCpu {

    /** Linux's USER_HZ: the unit of the stat file's times. */
    private static final double TICKS_PER_SECOND = 100;

    private ProcessCpu() {
    }

    /** @return the process's CPU seconds so far, or 0 once it is gone */
    static double seconds(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            // Fields after the command name (which may hold spaces) start after the last ')'.
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) / TICKS_PER_SECOND;
        } catch (IOException e) {
            return 0;
        }
    }
}
