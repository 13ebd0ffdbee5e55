package dev.kvstore.sample;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.springframework.stereotype.Component;

/** The ranges of the numeric parameters of the coordination endpoints, derived from {@link SampleLimits}. */
@Component
class RequestParameters {

    private final ParameterRange rank;
    private final ParameterRange expected;
    private final ParameterRange parties;
    private final ParameterRange timeoutSeconds;
    private final Map<String, ParameterRange> byName;

    RequestParameters(SampleLimits limits) {
        this.rank = new ParameterRange("rank", 0, limits.maxRanks() - 1L, "sample.limits.max-ranks");
        this.expected = new ParameterRange("expected", 1, limits.maxRanks(), "sample.limits.max-ranks");
        this.parties = new ParameterRange("parties", 1, limits.maxParties(), "sample.limits.max-parties");
        this.timeoutSeconds = new ParameterRange("timeoutSeconds", 1, limits.maxTimeout().toSeconds(),
                "sample.limits.max-timeout");
        this.byName = Map.of(rank.name(), rank, expected.name(), expected, parties.name(), parties,
                timeoutSeconds.name(), timeoutSeconds);
    }

    int rank(int value) {
        return rank.check(value);
    }

    int expected(int value) {
        return expected.check(value);
    }

    int parties(int value) {
        return parties.check(value);
    }

    Duration timeout(long seconds) {
        return Duration.ofSeconds(timeoutSeconds.check(seconds));
    }

    /** @return the range of the named parameter, for error messages about a value that did not even parse */
    Optional<ParameterRange> range(String name) {
        return Optional.ofNullable(byName.get(name));
    }
}
