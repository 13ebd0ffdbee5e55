package dev.kvstore.tcp.server;

import dev.kvstore.tcp.protocol.wire.Command;
import java.util.List;

/**
 * One fully received request. Fields by command: keys in wire order; values in wire order (for MULTI_SET the i-th
 * value belongs to the i-th key); {@code number} holds the ADD delta or the PING/VALIDATE u32.
 */
record Request(Command command, List<String> keys, List<byte[]> values, long number) {

    String key() {
        return keys.get(0);
    }

    byte[] value(int index) {
        return values.get(index);
    }
}
