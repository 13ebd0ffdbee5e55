/**
 * Support for testing applications that use the starter: {@link dev.kvstore.spring.test.KVStoreTest @KVStoreTest}
 * starts only the store (a test slice, like Spring Boot's {@code @DataRedisTest}) and
 * {@link dev.kvstore.spring.test.AutoConfigureEmbeddedKVStore} gives a test an embedded TCPStore master on a free port.
 * Needs {@code spring-test} (and, for the slice, {@code spring-boot-test-autoconfigure} and JUnit Jupiter) on the test
 * class path.
 */
@NullMarked
package dev.kvstore.spring.test;

import org.jspecify.annotations.NullMarked;
