package dev.kvstore.testing;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.Tag;

/**
 * Marks a test class (or method) that runs Python peers ({@link PythonProcess}, {@link TorchMasterExtension}): the
 * host's {@code /usr/bin/python3} with PyTorch (and python3-etcd3 for the etcd interop), or the torch chroots. JUnit
 * tag {@value #TAG}; {@code -DexcludedGroups=torch} leaves it out on a machine without them.
 */
@Documented
@Inherited
@Retention(RetentionPolicy.RUNTIME)
@Target({ ElementType.TYPE, ElementType.METHOD })
@Tag(RequiresTorch.TAG)
public @interface RequiresTorch {

    /** The JUnit tag. */
    String TAG = "torch";
}
