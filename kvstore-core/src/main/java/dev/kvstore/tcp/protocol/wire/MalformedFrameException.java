package dev.kvstore.tcp.protocol.wire;

import java.io.IOException;

/**
 * A frame that cannot be right: an impossible length or count, or a reply code the request has not. The stream is
 * out of step and the connection must go.
 */
public final class MalformedFrameException extends IOException {

    private static final long serialVersionUID = 1L;

    /** @param message what was impossible, e.g. {@code "value length 18446744073709551615"} */
    public MalformedFrameException(String message) {
        super(message);
    }
}
