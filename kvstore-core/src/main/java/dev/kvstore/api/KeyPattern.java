package dev.kvstore.api;

import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * A key pattern in which {@code *} matches any run of characters (including none, and including {@code /});
 * every other character matches itself.
 */
public final class KeyPattern {

    private final String pattern;
    private final Pattern regex;

    private KeyPattern(String pattern) {
        this.pattern = pattern;
        StringBuilder re = new StringBuilder();
        int start = 0;
        for (int star = pattern.indexOf('*'); star >= 0; star = pattern.indexOf('*', start)) {
            re.append(Pattern.quote(pattern.substring(start, star))).append(".*");
            start = star + 1;
        }
        re.append(Pattern.quote(pattern.substring(start)));
        this.regex = Pattern.compile(re.toString(), Pattern.DOTALL);
    }

    /** @throws IllegalArgumentException if the pattern is null or empty */
    public static KeyPattern compile(@Nullable String pattern) {
        if (pattern == null || pattern.isEmpty()) {
            throw new IllegalArgumentException("key pattern must be a non-empty string");
        }
        return new KeyPattern(pattern);
    }

    /** @return whether the whole key matches */
    public boolean matches(String key) {
        return regex.matcher(key).matches();
    }

    /** @return the part before the first {@code *}: every matching key starts with it */
    public String literalPrefix() {
        int star = pattern.indexOf('*');
        return star < 0 ? pattern : pattern.substring(0, star);
    }

    @Override
    public String toString() {
        return pattern;
    }
}
