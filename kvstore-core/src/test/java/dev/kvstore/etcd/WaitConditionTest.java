package dev.kvstore.etcd;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.kvstore.api.KeyPattern;
import dev.kvstore.internal.KeyLayout;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.KeyValue;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The wait state machines, fed by hand (the real-server tests cover reading and watching). */
class WaitConditionTest {

    private static KeyValue kv(String key, String value) {
        return new KeyValue(io.etcd.jetcd.api.KeyValue.newBuilder()
                .setKey(ByteString.copyFromUtf8(key)).setValue(ByteString.copyFromUtf8(value)).build(),
                ByteSequence.EMPTY);
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void aKeyPutAndDeletedAgainDoesNotSatisfyWaitForKey() {
        SingleKeyCondition condition = new SingleKeyCondition("ns/c/k", null);
        condition.reset(List.of());
        assertThat(condition.result()).isNull();
        condition.put(kv("ns/c/k", "v"));
        condition.delete(kv("ns/c/k", ""));
        assertThat(condition.result()).isNull();
        condition.put(kv("ns/c/k", ""));
        assertThat(condition.result()).as("an empty value is a value").isEmpty();
    }

    @Test
    void waitForValueTracksTheLastValueForItsTimeoutMessage() {
        SingleKeyCondition condition = new SingleKeyCondition("ns/c/state", utf8("ready"));
        condition.reset(List.of(kv("ns/c/state", "starting")));
        assertThat(condition.result()).isNull();
        condition.put(kv("ns/c/state", "loading"));
        assertThat(condition.timeout(Duration.ofSeconds(1))).hasMessageContaining("loading");
        condition.put(kv("ns/c/state", "ready"));
        assertThat(condition.result()).isEqualTo(utf8("ready"));
    }

    @Test
    void waitForKeysCountsMatchingKeysWithTheValueAndForgetsDeletedOnes() {
        KeyLayout layout = KeyLayout.of("ns", "c");
        KeysCondition condition = new KeysCondition(layout, KeyPattern.compile("rank:*/ready"), 2, utf8("1"));
        condition.reset(List.of(kv("ns/c/rank:0/ready", "1"), kv("ns/c/rank:1/other", "1"),
                kv("ns/c/rank:1/ready", "0")));
        assertThat(condition.result()).isNull();
        assertThat(condition.missing()).startsWith("1 of 2");
        condition.put(kv("ns/c/rank:10/ready", "1"));
        assertThat(condition.result()).containsExactly("rank:0/ready", "rank:10/ready");
        condition.delete(kv("ns/c/rank:0/ready", ""));
        assertThat(condition.result()).isNull();
        condition.put(kv("ns/c/rank:1/ready", "1"));
        assertThat(condition.result()).containsExactly("rank:1/ready", "rank:10/ready");
        condition.reset(List.of());
        assertThat(condition.timeout(Duration.ofSeconds(1))).hasMessageContaining("0 of 2");
    }
}
