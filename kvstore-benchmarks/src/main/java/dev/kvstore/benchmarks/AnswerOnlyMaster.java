package dev.kvstore.benchmarks;

import dev.kvstore.tcp.protocol.TcpProtocol;
import dev.kvstore.tcp.protocol.wire.Command;
import dev.kvstore.tcp.protocol.wire.WireFormat;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The scale suite's yardstick, not a TCPStore: a single-threaded loop that answers exactly the requests simulated
 * ranks send (VALIDATE, PING, ADD, SET, WAIT for one key, in both numberings) and nothing else, with no limits, no
 * logging and no bookkeeping beyond counters and waiters. Ranks against it run as fast as the simulator and the
 * kernel's loopback allow: the machine's ceiling for this workload. {@code PORT WORLD_SIZE}: prints {@code INIT_DONE
 * <epoch µs>} once {@code WORLD_SIZE - 1} ranks added to {@code init/} (the master itself does not), then serves until
 * stdin closes.
 */
public final class AnswerOnlyMaster {

    private final Map<String, Long> counters = new HashMap<>();
    private final Map<String, List<SocketChannel>> waiters = new HashMap<>();
    private final int workers;
    private int registered;

    private AnswerOnlyMaster(int workers) {
        this.workers = workers;
    }

    public static void main(String[] args) throws IOException {
        AnswerOnlyMaster master = new AnswerOnlyMaster(Integer.parseInt(args[1]) - 1);
        Thread stdin = new Thread(() -> {
            try {
                System.in.transferTo(java.io.OutputStream.nullOutputStream());
            } catch (IOException ignored) {
                // exit either way
            }
            System.exit(0);
        }, "stdin");
        stdin.setDaemon(true);
        stdin.start();
        master.serve(Integer.parseInt(args[0]));
    }

    private void serve(int port) throws IOException {
        Selector selector = Selector.open();
        ServerSocketChannel listener = ServerSocketChannel.open();
        listener.bind(new InetSocketAddress("127.0.0.1", port), 65_535);
        listener.configureBlocking(false);
        listener.register(selector, SelectionKey.OP_ACCEPT);
        while (true) {
            selector.select();
            for (SelectionKey key : selector.selectedKeys()) {
                if (key.isAcceptable()) {
                    for (SocketChannel client = listener.accept(); client != null; client = listener.accept()) {
                        client.configureBlocking(false);
                        client.register(selector, SelectionKey.OP_READ, new Client(client));
                    }
                } else if (key.isReadable()) {
                    read((Client) key.attachment(), key);
                }
            }
            selector.selectedKeys().clear();
        }
    }

    /** A rank's connection: its unparsed bytes, and its numbering (a 2.x rank opens with VALIDATE, opcode 0). */
    private static final class Client {
        final SocketChannel channel;
        final ByteBuffer in = ByteBuffer.allocate(4096).order(WireFormat.ORDER);
        @Nullable TcpProtocol generation;

        Client(SocketChannel channel) {
            this.channel = channel;
        }
    }

    private void read(Client c, SelectionKey key) throws IOException {
        SocketChannel client = c.channel;
        ByteBuffer in = c.in;
        int n;
        try {
            n = client.read(in);
        } catch (IOException e) {
            n = -1;
        }
        if (n < 0) {
            key.cancel();
            client.close();
            return;
        }
        in.flip();
        while (answer(c, in)) {
            in.compact().flip();
        }
        in.compact();
    }

    /** Answers one complete request at the buffer's position; false (position unchanged) when it is incomplete. */
    private boolean answer(Client c, ByteBuffer in) throws IOException {
        SocketChannel client = c.channel;
        int start = in.position();
        if (!in.hasRemaining()) {
            return false;
        }
        int opcode = in.get() & 0xFF;
        if (c.generation == null) {
            c.generation = opcode == Command.VALIDATE.opcode(TcpProtocol.MODERN) ? TcpProtocol.MODERN
                    : TcpProtocol.LEGACY;
        }
        Command command = Command.of(c.generation, opcode);
        if (command == Command.VALIDATE || command == Command.PING) {
            if (in.remaining() < WireFormat.U32_BYTES) {
                in.position(start);
                return false;
            }
            int value = in.getInt();
            if (command == Command.PING) {
                write(client, ByteBuffer.allocate(4).order(WireFormat.ORDER).putInt(value).flip());
            }
            return true;
        }
        if (command == Command.WAIT) {
            if (in.remaining() < WireFormat.I64_BYTES) {
                in.position(start);
                return false;
            }
            in.getLong(); // one key: what ranks wait for
        }
        String k = string(in);
        if (k == null) {
            in.position(start);
            return false;
        }
        if (command == Command.ADD || command == Command.SET) {
            if (command == Command.ADD && in.remaining() < WireFormat.I64_BYTES || command == Command.SET
                    && string(in.duplicate()) == null) {
                in.position(start);
                return false;
            }
            if (command == Command.ADD) {
                long value = counters.merge(k, in.getLong(), Long::sum);
                write(client, ByteBuffer.allocate(8).order(WireFormat.ORDER).putLong(value).flip());
                if (k.equals(WireFormat.INIT_KEY) && ++registered == workers) {
                    System.out.println("INIT_DONE " + ServerMain.epochMicros());
                    System.out.flush();
                }
            } else {
                string(in);
                counters.put(k, 1L);
                for (SocketChannel waiter : waiters.getOrDefault(k, List.of())) {
                    write(waiter, ByteBuffer.wrap(new byte[] {0}));
                }
                waiters.remove(k);
            }
            return true;
        }
        if (command == Command.WAIT) {
            if (counters.containsKey(k)) {
                write(client, ByteBuffer.wrap(new byte[] {0}));
            } else {
                waiters.computeIfAbsent(k, x -> new ArrayList<>()).add(client);
            }
            return true;
        }
        throw new IOException("the answer-only master knows no opcode " + opcode);
    }

    private static @Nullable String string(ByteBuffer in) {
        if (in.remaining() < WireFormat.I64_BYTES) {
            return null;
        }
        int length = (int) in.getLong();
        if (in.remaining() < length) {
            return null;
        }
        byte[] bytes = new byte[length];
        in.get(bytes);
        return new String(bytes, StandardCharsets.ISO_8859_1);
    }

    /** Replies are a few bytes to a reading client: they fit its socket buffer, so the write completes. */
    private static void write(SocketChannel client, ByteBuffer reply) throws IOException {
        try {
            client.write(reply);
        } catch (IOException e) {
            client.close();
        }
    }
}
