/**
 * Support for testing applications that use the starter: {@link dev.kvstore.spring.test.AutoConfigureEmbeddedKVStore}
 * gives a {@code @SpringBootTest} an embedded TCPStore master on a free port. Needs {@code spring-test} on the test
 * class path.
 */
@NullMarked
package dev.kvstore.spring.test;

import org.jspecify.annotations.NullMarked;
