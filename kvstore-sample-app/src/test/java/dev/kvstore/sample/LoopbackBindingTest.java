package dev.kvstore.sample;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

import java.io.IOException;
import java.net.ConnectException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.Socket;
import java.net.SocketException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.tomcat.TomcatWebServer;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * {@code /kv} is unauthenticated, so the HTTP port listens on 127.0.0.1 unless {@code server.address} says otherwise:
 * other loopback addresses (127.0.0.2) and this machine's own non-loopback addresses are refused.
 */
class LoopbackBindingTest {

    private static final InetAddress OTHER_LOOPBACK = address(127, 0, 0, 2);

    @Test
    void byDefaultOnly127001Answers() throws Exception {
        try (ConfigurableApplicationContext app = start()) {
            int port = portOf(app);
            assertThat(boundAddress(app)).isEqualTo(address(127, 0, 0, 1));
            assertThat(new Http(port).get("/info").statusCode()).isEqualTo(200);
            assertRefused(OTHER_LOOPBACK, port);
            for (InetAddress own : nonLoopbackAddresses()) {
                assertRefused(own, port);
            }
        }
    }

    @Test
    void serverAddressOverridesTheDefault() throws Exception {
        try (ConfigurableApplicationContext app = start("--server.address=0.0.0.0")) {
            assertThat(boundAddress(app).isAnyLocalAddress()).isTrue();
            // The probe that is refused above connects when the app listens on every address.
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress(OTHER_LOOPBACK, portOf(app)), 5_000);
                assertThat(socket.isConnected()).isTrue();
            }
        }
    }

    private static ConfigurableApplicationContext start(String... extra) {
        List<String> args = new ArrayList<>(List.of("--server.port=0",
                "--kvstore.tcp.port=0"));
        args.addAll(List.of(extra));
        return new SpringApplicationBuilder(SampleApplication.class).run(args.toArray(String[]::new));
    }

    private static int portOf(ConfigurableApplicationContext app) {
        return ((WebServerApplicationContext) app).getWebServer().getPort();
    }

    private static InetAddress boundAddress(ConfigurableApplicationContext app) {
        TomcatWebServer server = (TomcatWebServer) ((WebServerApplicationContext) app).getWebServer();
        Object address = server.getTomcat().getConnector().getProperty("address");
        assertThat(address).isInstanceOf(InetAddress.class);
        return (InetAddress) address;
    }

    private static void assertRefused(InetAddress address, int port) {
        assertThatExceptionOfType(ConnectException.class).as("connecting to %s:%d", address, port)
                .isThrownBy(() -> {
                    try (Socket socket = new Socket()) {
                        socket.connect(new InetSocketAddress(address, port), 5_000);
                    }
                });
    }

    /** @return this machine's own IPv4 addresses other than loopback (connections to them never leave the host) */
    private static List<InetAddress> nonLoopbackAddresses() throws SocketException {
        return NetworkInterface.networkInterfaces()
                .filter(LoopbackBindingTest::isUp)
                .flatMap(NetworkInterface::inetAddresses)
                .filter((address) -> address instanceof Inet4Address && !address.isLoopbackAddress())
                .toList();
    }

    private static boolean isUp(NetworkInterface networkInterface) {
        try {
            return networkInterface.isUp();
        } catch (SocketException e) {
            return false;
        }
    }

    private static InetAddress address(int a, int b, int c, int d) {
        try {
            return InetAddress.getByAddress(new byte[] {(byte) a, (byte) b, (byte) c, (byte) d});
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
