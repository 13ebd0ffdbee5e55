package dev.kvstore.tcp.server;

import io.etcd.jetcd.ByteSequence;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Where a gateway keeps the TCPStore keys in etcd, under one prefix {@code P}: a value at {@code P v/<key>}, the items
 * of a queue at {@code P q/<length>/<key>/<20-digit sequence>} (the length keeps one queue's items apart from those
 * of a queue whose key extends it), the next sequence number of a queue at {@code P n/<key>}, and the token of the
 * last read-modify-write of an etcd key {@code K} at {@code P w/K}. Keys are the raw wire bytes.
 */
final class GatewayKeys {

    /** What an etcd key under the prefix is. */
    enum Kind { VALUE, QUEUE_ITEM, OTHER }

    private static final byte VALUE = 'v';
    private static final byte QUEUE = 'q';
    private static final byte QUEUE_COUNTER = 'n';
    private static final byte LAST_WRITER = 'w';

    private final byte[] prefix;

    GatewayKeys(String prefix) {
        if (prefix == null || prefix.isEmpty()) {
            throw new IllegalArgumentException("the etcd prefix of a TCPStore gateway must not be empty");
        }
        this.prefix = prefix.getBytes(StandardCharsets.UTF_8);
    }

    String prefix() {
        return new String(prefix, StandardCharsets.UTF_8);
    }

    ByteSequence all() {
        return ByteSequence.from(prefix);
    }

    ByteSequence values() {
        return join(VALUE, new byte[0]);
    }

    ByteSequence value(String key) {
        return join(VALUE, WireKeys.toBytes(key));
    }

    ByteSequence queueCounter(String key) {
        return join(QUEUE_COUNTER, WireKeys.toBytes(key));
    }

    /** @return the prefix of the queue's items */
    ByteSequence queue(String key) {
        byte[] wire = WireKeys.toBytes(key);
        return join(QUEUE, (wire.length + "/" + key + "/").getBytes(StandardCharsets.ISO_8859_1));
    }

    ByteSequence queueItem(String key, long sequence) {
        byte[] wire = WireKeys.toBytes(key);
        return join(QUEUE, (wire.length + "/" + key + "/" + String.format("%020d", sequence))
                .getBytes(StandardCharsets.ISO_8859_1));
    }

    /**
     * @return where the transaction that last read-modify-wrote the etcd key leaves its token, so that a gateway can
     *     tell after a lost answer whether its write went through
     */
    ByteSequence lastWriter(ByteSequence etcdKey) {
        return join(LAST_WRITER, etcdKey.getBytes());
    }

    Kind kind(ByteSequence etcdKey) {
        byte[] bytes = etcdKey.getBytes();
        if (bytes.length < prefix.length + 2 || bytes[prefix.length + 1] != '/'
                || !Arrays.equals(bytes, 0, prefix.length, prefix, 0, prefix.length)) {
            return Kind.OTHER;
        }
        return switch (bytes[prefix.length]) {
            case VALUE -> Kind.VALUE;
            case QUEUE -> Kind.QUEUE_ITEM;
            default -> Kind.OTHER;
        };
    }

    /** @return the TCPStore key of a value's or a queue item's etcd key */
    String wireKey(ByteSequence etcdKey) {
        byte[] bytes = etcdKey.getBytes();
        int start = prefix.length + 2;
        String rest = new String(bytes, start, bytes.length - start, StandardCharsets.ISO_8859_1);
        if (kind(etcdKey) == Kind.VALUE) {
            return rest;
        }
        int slash = rest.indexOf('/');
        int length = Integer.parseInt(rest.substring(0, slash));
        return rest.substring(slash + 1, slash + 1 + length);
    }

    private ByteSequence join(byte marker, byte[] tail) {
        byte[] key = Arrays.copyOf(prefix, prefix.length + 2 + tail.length);
        key[prefix.length] = marker;
        key[prefix.length + 1] = '/';
        System.arraycopy(tail, 0, key, prefix.length + 2, tail.length);
        return ByteSequence.from(key);
    }
}
