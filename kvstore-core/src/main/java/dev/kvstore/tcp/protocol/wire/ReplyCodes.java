package dev.kvstore.tcp.protocol.wire;

/** The one-byte codes TCPStore replies with (PyTorch's {@code CheckResponseType}, {@code WaitResponseType} and kin). */
public final class ReplyCodes {

    /** CHECK: all keys present. */
    public static final int READY = 0;
    /** CHECK: some key missing. */
    public static final int NOT_READY = 1;
    /** WAIT: all awaited keys are set. */
    public static final int STOP_WAITING = 0;
    /** CANCEL_WAIT (2.1+): this connection's waits are cleared. */
    public static final int WAIT_CANCELED = 1;
    /** WATCH_KEY acknowledgement (1.13/2.0 {@code KEY_CALLBACK_REGISTERED}). */
    public static final int KEY_CALLBACK_REGISTERED = 3;

    private ReplyCodes() {
    }
}
