package dev.kvstore.tcp;

import dev.kvstore.tcp.protocol.TcpProtocol;
import dev.kvstore.testing.PythonRuntime;

/** What the Java client expects of a real torch master of each runtime. */
final class TorchMasters {

    private TorchMasters() {
    }

    /** @return the protocol generation a torch master of the runtime speaks: 1.13 LEGACY, 2.6 (2.2+) MODERN */
    static TcpProtocol speaks(PythonRuntime runtime) {
        return runtime == PythonRuntime.TORCH_1_13 ? TcpProtocol.LEGACY : TcpProtocol.MODERN;
    }
}
