package dev.kvstore.spring.test;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.springframework.test.context.TestPropertySource;

/**
 * Gives a {@code @SpringBootTest} its own embedded TCPStore master: the auto-configured {@code KVStore} is rank 0 of
 * the {@code tcp} backend and hosts the master on {@code 127.0.0.1}, port {@code 0}. The port the master's server
 * bound is published as {@code local.kvstore.tcp.port} once the store started, so a test can connect other clients
 * (Java or PyTorch) to it:
 *
 * <pre>{@code
 * @SpringBootTest
 * @AutoConfigureEmbeddedKVStore
 * class RendezvousTests {
 *
 *     @Autowired KVStore store;
 *
 *     @Value("${local.kvstore.tcp.port}") int port;
 * }
 * }</pre>
 *
 * <p>Every test context gets a free port of its own, so test classes whose contexts differ (or run in parallel JVMs)
 * never collide on {@code 29500}, and nothing outside the test is needed. No world size is set, so the store's start
 * awaits nobody; set {@code kvstore.tcp.world-size} to have the master wait for that many processes.
 *
 * <p>The properties are inlined test properties ({@link TestPropertySource @TestPropertySource}): they win over
 * {@code application.properties}, over the torchrun variables ({@code MASTER_ADDR}, {@code MASTER_PORT},
 * {@code RANK}) and over {@code @SpringBootTest(properties = ...)} (Spring Boot gives {@code @TestPropertySource}
 * precedence over those). To change one of them, declare {@code @TestPropertySource(properties = ...)} directly on
 * the test class: a directly declared {@code @TestPropertySource} overrides this meta-annotation. Properties it
 * does not set ({@code kvstore.namespace}, {@code kvstore.tcp.world-size}, ...) can be set anywhere.
 *
 * <p>Needs {@code spring-test} on the test class path ({@code spring-boot-starter-test} brings it); the starter
 * declares it optional, so it never reaches an application's runtime class path.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Inherited
@TestPropertySource(properties = { "kvstore.backend=tcp", "kvstore.rank=0", "kvstore.tcp.master=true",
        "kvstore.tcp.host=127.0.0.1", "kvstore.tcp.port=0" })
public @interface AutoConfigureEmbeddedKVStore {

}
