package dev.kvstore.spring.test;

import org.springframework.boot.test.autoconfigure.TestSliceTestContextBootstrapper;

/** Bootstraps a {@link KVStoreTest @KVStoreTest}: its {@code properties} and slice configuration. */
class KVStoreTestContextBootstrapper extends TestSliceTestContextBootstrapper<KVStoreTest> {

}
