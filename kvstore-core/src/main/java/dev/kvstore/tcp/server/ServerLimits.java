package dev.kvstore.tcp.server;

/**
 * Per-request size limits of the server. A request past any of them closes its connection before anything is
 * allocated for it.
 */
record ServerLimits(int maxKeyBytes, int maxValueBytes, int maxKeysPerRequest) {

    static final int DEFAULT_MAX_KEY_BYTES = 8 * 1024;
    static final int DEFAULT_MAX_VALUE_BYTES = 8 * 1024 * 1024;
    static final int DEFAULT_MAX_KEYS_PER_REQUEST = 128 * 1024;

    ServerLimits {
        requirePositive(maxKeyBytes, "maxKeyBytes");
        requirePositive(maxValueBytes, "maxValueBytes");
        requirePositive(maxKeysPerRequest, "maxKeysPerRequest");
    }

    private static void requirePositive(int value, String name) {
        if (value <= 0) {
            throw new IllegalArgumentException(name + " must be positive, got " + value);
        }
    }
}
