package dev.kvstore.tcp.server;

import static dev.kvstore.tcp.protocol.wire.Command.PING;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kvstore.tcp.protocol.TcpProtocol;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.Socket;
import java.net.SocketException;
import java.util.Collections;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * TCPStore has no authentication, so the bind address is the access control: a server listens only on the address
 * it is configured with (default 127.0.0.1). On Linux the whole 127/8 is loopback, so 127.0.0.2 reaches a wildcard
 * listener; a server bound to 127.0.0.1 must refuse it, and every non-loopback address of this machine.
 */
class TcpStoreServerBindTest {

    @Test
    void theDefaultBindAddressIsLoopback() {
        try (TcpStoreServer server = TcpStoreServer.builder().port(0).build().start()) {
            assertThat(server.host()).isEqualTo("127.0.0.1");
            assertThat(reachable("127.0.0.1", server.port())).isTrue();
        }
    }

    @Test
    void aServerBoundToOneLoopbackAddressRefusesAnother() {
        try (TcpStoreServer wildcard = TcpStoreServer.builder().host("0.0.0.0").port(0).build().start()) {
            // The control: 127.0.0.2 is a working local address here, so a refusal below means the bind, not routing.
            assertThat(reachable("127.0.0.2", wildcard.port())).as("127.0.0.2 reaches a wildcard listener").isTrue();
        }
        try (TcpStoreServer server = TcpStoreServer.builder().host("127.0.0.1").port(0).build().start()) {
            assertThat(reachable("127.0.0.1", server.port())).isTrue();
            assertThatThrownBy(() -> connect("127.0.0.2", server.port())).isInstanceOf(ConnectException.class);
        }
        try (TcpStoreServer server = TcpStoreServer.builder().host("127.0.0.2").port(0).build().start()) {
            assertThat(reachable("127.0.0.2", server.port())).isTrue();
            assertThatThrownBy(() -> connect("127.0.0.1", server.port())).isInstanceOf(ConnectException.class);
        }
    }

    @Test
    void aLoopbackServerIsNotReachableThroughTheMachinesOtherAddresses() throws SocketException {
        List<InetAddress> others = Collections.list(NetworkInterface.getNetworkInterfaces()).stream()
                .flatMap(NetworkInterface::inetAddresses)
                .filter(a -> !a.isLoopbackAddress() && !a.isLinkLocalAddress() && a instanceof Inet4Address)
                .collect(Collectors.toList());
        try (TcpStoreServer server = TcpStoreServer.builder().port(0).build().start()) {
            for (InetAddress address : others) {
                assertThatThrownBy(() -> connect(address.getHostAddress(), server.port()))
                        .as("reaching the loopback server via %s", address)
                        .isInstanceOf(ConnectException.class);
            }
        }
        try (TcpStoreServer wildcard = TcpStoreServer.builder().host("0.0.0.0").port(0).build().start()) {
            for (InetAddress address : others) {
                assertThat(reachable(address.getHostAddress(), wildcard.port()))
                        .as("a wildcard server is reachable via %s", address).isTrue();
            }
        }
    }

    private static void connect(String host, int port) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(host, port), 5_000);
        }
    }

    /** @return whether a MODERN PING over this address is answered */
    private static boolean reachable(String host, int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(host, port), 5_000);
            socket.setSoTimeout(5_000);
            byte[] ping = {0, (byte) 0xCE, (byte) 0xF7, (byte) 0x85, 0x3C,
                (byte) dev.kvstore.tcp.protocol.wire.Command.PING.opcode(TcpProtocol.MODERN), 7, 0, 0, 0};
            socket.getOutputStream().write(ping);
            InputStream in = socket.getInputStream();
            byte[] echo = in.readNBytes(4);
            return echo.length == 4 && echo[0] == 7;
        } catch (IOException e) {
            return false;
        }
    }
}
