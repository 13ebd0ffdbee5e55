package dev.kvstore.tcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kvstore.api.KeyListing;
import dev.kvstore.testing.RequiresTorch;
import dev.kvstore.testing.TorchMasterExtension;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Listing against a real PyTorch 2.6 master (MODERN protocol, no LIST_KEYS): the store asks once, offers no
 * {@link KeyListing}, a pattern wait without candidates says why, and the store goes on working.
 */
@RequiresTorch
class TcpListKeysAgainstTorch26MasterTest {

    @RegisterExtension
    static final TorchMasterExtension torch = TorchMasterExtension.torch26();

    @Test
    void torch26MasterOffersNoListingAndAPatternWaitSaysWhy() {
        try (TcpKVStore store = TcpKVStore.builder().host(torch.host()).port(torch.port())
                .connectTimeout(Duration.ofSeconds(30)).requestTimeout(Duration.ofSeconds(30))
                        .workerWaitTimeout(Duration.ofSeconds(30)).namespace("torch26").build()) {
            store.set("rank:0/addr", "here");
            assertThat(store.capability(KeyListing.class)).as("LIST_KEYS is 2.10+").isEmpty();
            assertThatThrownBy(() -> store.waitForKeys("rank:*/addr", 1, List.of(), Duration.ofSeconds(5)))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("closed the connection on LIST_KEYS (PyTorch before 2.10)");
            assertThat(store.get("rank:0/addr")).as("the store still works").contains("here");
        }
    }
}
