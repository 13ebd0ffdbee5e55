package dev.kvstore.tcp.gateway;

import dev.kvstore.etcd.access.FencedWriter;
import io.etcd.jetcd.ByteSequence;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Where a gateway keeps the TCPStore keys in etcd, under one prefix {@code P}: a value at {@code P v/<key>}, the items
 * of a queue at {@code P q/<length>/<key>/<20-digit sequence>} (the length keeps one queue's items apart from those
 * of a queue whose key extends it), the next sequence number of a queue at {@code P n/<key>}, and, while a gateway
 * read-modify-writes an etcd key {@code K}, that gateway's token at {@code P w/<gateway id>/K}. Keys are the raw wire
 * bytes.
 */
final class GatewayKeys implements FencedWriter.TokenKeys {

    /** What an etcd key under the prefix is. */
    enum Kind { VALUE, QUEUE_ITEM, OTHER }

    private static final byte VALUE = 'v';
    private static final byte QUEUE = 'q';
    private static final byte QUEUE_COUNTER = 'n';
    private static final byte TOKEN = 'w';

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

    ByteSequence value(byte[] key) {
        return join(VALUE, key);
    }

    ByteSequence queueCounter(byte[] key) {
        return join(QUEUE_COUNTER, key);
    }

    /** @return the prefix of the queue's items */
    ByteSequence queue(byte[] key) {
        return join(QUEUE, concat(key.length + "/", key, "/"));
    }

    ByteSequence queueItem(byte[] key, long sequence) {
        return join(QUEUE, concat(key.length + "/", key, String.format("/%020d", sequence)));
    }

    /** @return the prefix of the tokens of the gateway {@code writerId} */
    @Override
    public ByteSequence all(String writerId) {
        return join(TOKEN, (writerId + "/").getBytes(StandardCharsets.ISO_8859_1));
    }

    /**
     * @return where the gateway {@code writerId} leaves the token of its read-modify-write of the etcd key, so that it
     *     can tell after a lost answer whether its write went through
     */
    @Override
    public ByteSequence token(String writerId, ByteSequence etcdKey) {
        return join(TOKEN, concat(writerId + "/", etcdKey.getBytes(), ""));
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
    byte[] wireKey(ByteSequence etcdKey) {
        byte[] bytes = etcdKey.getBytes();
        int start = prefix.length + 2;
        if (kind(etcdKey) == Kind.VALUE) {
            return Arrays.copyOfRange(bytes, start, bytes.length);
        }
        int slash = start;
        while (bytes[slash] != '/') {
            slash++;
        }
        int length = Integer.parseInt(new String(bytes, start, slash - start, StandardCharsets.ISO_8859_1));
        return Arrays.copyOfRange(bytes, slash + 1, slash + 1 + length);
    }

    private static byte[] concat(String head, byte[] middle, String tail) {
        byte[] headBytes = head.getBytes(StandardCharsets.ISO_8859_1);
        byte[] tailBytes = tail.getBytes(StandardCharsets.ISO_8859_1);
        byte[] joined = Arrays.copyOf(headBytes, headBytes.length + middle.length + tailBytes.length);
        System.arraycopy(middle, 0, joined, headBytes.length, middle.length);
        System.arraycopy(tailBytes, 0, joined, headBytes.length + middle.length, tailBytes.length);
        return joined;
    }

    private ByteSequence join(byte marker, byte[] tail) {
        byte[] key = Arrays.copyOf(prefix, prefix.length + 2 + tail.length);
        key[prefix.length] = marker;
        key[prefix.length + 1] = '/';
        System.arraycopy(tail, 0, key, prefix.length + 2, tail.length);
        return ByteSequence.from(key);
    }
}
