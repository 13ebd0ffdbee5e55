package dev.kvstore.tcp.server;

import java.lang.management.ManagementFactory;

/** Heap measurements for memory tests. */
final class Heap {

    private Heap() {
    }

    /** @return the smallest used heap over three collections: roughly the live data */
    static long usedAfterGc() {
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 3; i++) {
            System.gc();
            used = Math.min(used, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
        }
        return used;
    }
}
