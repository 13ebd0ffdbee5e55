package dev.kvstore.internal;

import java.io.IOException;
import java.net.InetAddress;

/** How locks name the process that holds them, so that an operator can find it: {@code pid@host}. */
public final class ProcessName {

    private static final String NAME = ProcessHandle.current().pid() + "@" + hostName();

    private ProcessName() {
    }

    /** @return {@code pid@host} of this process */
    public static String current() {
        return NAME;
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "unknown-host";
        }
    }
}
