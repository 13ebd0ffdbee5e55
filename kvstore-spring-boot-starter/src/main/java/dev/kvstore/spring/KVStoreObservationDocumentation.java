package dev.kvstore.spring;

import io.micrometer.common.docs.KeyName;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationConvention;
import io.micrometer.observation.docs.ObservationDocumentation;

/** The observation of {@link dev.kvstore.api.KVStore} operations and its key names. */
public enum KVStoreObservationDocumentation implements ObservationDocumentation {

    /**
     * One store operation ({@link dev.kvstore.spring.KVStoreOperation}): named {@code kvstore.operations} for single
     * operations and {@code kvstore.waits} for waits and barriers by the default convention.
     */
    OPERATION {
        @Override
        public Class<? extends ObservationConvention<? extends Observation.Context>> getDefaultConvention() {
            return DefaultKVStoreObservationConvention.class;
        }

        @Override
        public KeyName[] getLowCardinalityKeyNames() {
            return LowCardinalityKeyNames.values();
        }

        @Override
        public KeyName[] getHighCardinalityKeyNames() {
            return HighCardinalityKeyNames.values();
        }
    };

    /** Key names that become metric tags (few values each). */
    public enum LowCardinalityKeyNames implements KeyName {

        /** The backend: {@code tcp}, {@code etcd}, or the class of a user-defined store. */
        BACKEND {
            @Override
            public String asString() {
                return "backend";
            }
        },

        /** The operation as in the Java API, e.g. {@code waitForKey}. */
        OPERATION {
            @Override
            public String asString() {
                return "operation";
            }
        },

        /** {@code success}, {@code timeout} (a KVStoreTimeoutException), {@code error}; {@code unknown} while running. */
        OUTCOME {
            @Override
            public String asString() {
                return "outcome";
            }
        }

    }

    /** Key names only on spans (many values). */
    public enum HighCardinalityKeyNames implements KeyName {

        /** The store's namespace. */
        NAMESPACE {
            @Override
            public String asString() {
                return "kvstore.namespace";
            }
        },

        /** The store's (or view's) component. */
        COMPONENT {
            @Override
            public String asString() {
                return "kvstore.component";
            }
        },

        /** The key, key pattern or barrier name. */
        KEY {
            @Override
            public String asString() {
                return "kvstore.key";
            }
        }

    }

}
