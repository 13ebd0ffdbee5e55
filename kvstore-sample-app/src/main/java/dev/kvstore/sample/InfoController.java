package dev.kvstore.sample;

import dev.kvstore.api.KVStore;
import org.springframework.core.env.Environment;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/** A read-only view of who this instance is in the job. Health is at {@code /actuator/health}. */
@RestController
class InfoController {

    private final KVStore store;
    private final Environment environment;

    InfoController(KVStore store, Environment environment) {
        this.store = store;
        this.environment = environment;
    }

    @GetMapping("/info")
    Info info() {
        return new Info(environment.getProperty("kvstore.backend", "tcp"), store.namespace(), store.component(),
                environment.getProperty("kvstore.rank", Integer.class, 0));
    }

    record Info(String backend, String namespace, String component, int rank) {
    }
}
