package dev.kvstore.sample;

/**
 * The allowed values of one numeric request parameter, and the setting that moves its upper bound.
 *
 * @param name the parameter as the caller writes it ({@code timeoutSeconds}, {@code parties}, ...)
 * @param min smallest allowed value
 * @param max largest allowed value
 * @param setting the property that sets {@code max}
 */
record ParameterRange(String name, long min, long max, String setting) {

    /** @return the value, if it is within the range */
    long check(long value) {
        if (value < min || value > max) {
            throw new InvalidParameterException(this, String.valueOf(value));
        }
        return value;
    }

    /** @return the value, if it is within the range */
    int check(int value) {
        return Math.toIntExact(check((long) value));
    }

    /** @return what to say about a value outside the range, or one that is not an integer at all */
    String refusal(String value) {
        return "must be " + describe() + ", got '" + value + "'";
    }

    /** @return e.g. "an integer from 1 to 4096 (upper bound: sample.limits.max-parties)" */
    String describe() {
        return "an integer from " + min + " to " + max + " (upper bound: " + setting + ")";
    }
}
