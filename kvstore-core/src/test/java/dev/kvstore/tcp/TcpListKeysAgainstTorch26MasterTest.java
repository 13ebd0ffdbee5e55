package dev.kvstore.tcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kvstore.testing.RequiresTorch;
import dev.kvstore.testing.TorchMasterExtension;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Listing against a real PyTorch 2.6 master (MODERN protocol, no LIST_KEYS): a clear
 * {@link UnsupportedOperationException}, and the store goes on working.
 */
@RequiresTorch
class TcpListKeysAgainstTorch26MasterTest {

    @RegisterExtension
    static final TorchMasterExtension torch = TorchMasterExtension.torch26();

    @Test
    void torch26MasterCannotListAndSaysWhy() {
        try (TcpKVStore store = TcpKVStore.builder().host(torch.host()).port(torch.port())
                .timeout(Duration.ofSeconds(30)).namespace("torch26").build()) {
            store.set("rank:0/addr", "here");
            assertThatThrownBy(() -> store.listKeys("", null, 10))
                    .isInstanceOf(UnsupportedOperationException.class)
                    .hasMessageContaining("cannot list keys")
                    .hasMessageContaining("PyTorch before 2.10");
            assertThat(store.get("rank:0/addr")).as("the store still works").contains("here");
        }
    }
}
