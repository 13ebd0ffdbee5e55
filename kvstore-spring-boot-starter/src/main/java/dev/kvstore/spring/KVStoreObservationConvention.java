package dev.kvstore.spring;

import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationConvention;

/**
 * {@link ObservationConvention} of {@link dev.kvstore.api.KVStore} operations. Declare a bean of this type to
 * replace or extend {@link DefaultKVStoreObservationConvention} (e.g. to add a key value).
 */
public interface KVStoreObservationConvention extends ObservationConvention<KVStoreObservationContext> {

    @Override
    default boolean supportsContext(Observation.Context context) {
        return context instanceof KVStoreObservationContext;
    }

}
