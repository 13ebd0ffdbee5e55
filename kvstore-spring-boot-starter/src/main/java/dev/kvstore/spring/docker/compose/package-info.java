/**
 * Connection details for an etcd service started by Spring Boot's Docker Compose support.
 */
@NullMarked
package dev.kvstore.spring.docker.compose;

import org.jspecify.annotations.NullMarked;
