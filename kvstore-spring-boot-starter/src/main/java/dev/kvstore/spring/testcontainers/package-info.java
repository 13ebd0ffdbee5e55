/**
 * Connection details for an etcd Testcontainers container ({@code @ServiceConnection}).
 */
@NullMarked
package dev.kvstore.spring.testcontainers;

import org.jspecify.annotations.NullMarked;
