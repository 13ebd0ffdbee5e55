package dev.kvstore.spring.test.slice;

import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * An application for the {@code @KVStoreTest} tests: a store customizer ({@link ComponentNameCustomizer}), which the
 * slice includes, and a component of the application's own ({@link ApplicationService}), which it leaves out.
 */
@SpringBootApplication
class SliceApplication {

}
