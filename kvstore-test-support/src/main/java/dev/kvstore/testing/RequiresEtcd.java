package dev.kvstore.testing;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.Tag;

/**
 * Marks a test class (or method) that starts or reaches a real etcd ({@link EtcdServer}, {@link EtcdCluster}, or a
 * process that does): JUnit tag {@value #TAG}. {@code -DexcludedGroups=etcd} leaves it out on a machine without etcd.
 */
@Documented
@Inherited
@Retention(RetentionPolicy.RUNTIME)
@Target({ ElementType.TYPE, ElementType.METHOD })
@Tag(RequiresEtcd.TAG)
public @interface RequiresEtcd {

    /** The JUnit tag. */
    String TAG = "etcd";
}
