package dev.kvstore.spring.testcontainers;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.condition.EnabledIf;
import org.testcontainers.DockerClientFactory;

/**
 * Marks a test class that starts a container through a Docker API: JUnit tag {@value #TAG}. It runs in the default
 * build whenever Testcontainers finds a Docker API ({@code DOCKER_HOST}, {@code ~/.testcontainers.properties}, or the
 * default socket) and is skipped, with that reason, otherwise; {@code -DexcludedGroups=docker} leaves it out entirely.
 */
@Documented
@Inherited
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
@Tag(RequiresDocker.TAG)
@EnabledIf(value = "dev.kvstore.spring.testcontainers.RequiresDocker$Detection#dockerAvailable",
        disabledReason = "no Docker API is reachable (Testcontainers looked at DOCKER_HOST, "
                + "~/.testcontainers.properties and the default socket); set DOCKER_HOST, or run "
                + ".ci/container-engine start DIR and export what it prints (docs/development.md \"Tests\")")
public @interface RequiresDocker {

    /** The JUnit tag. */
    String TAG = "docker";

    /** The condition (an annotation cannot declare a method with a body). */
    final class Detection {

        private Detection() {
        }

        /**
         * Testcontainers' own detection, which it caches for the JVM.
         * @return whether a Docker API answers
         */
        static boolean dockerAvailable() {
            return DockerClientFactory.instance().isDockerAvailable();
        }

    }

}
