package dev.kvstore.spring;

import dev.kvstore.api.KVStoreTimeoutException;
import dev.kvstore.spring.KVStoreObservationDocumentation.HighCardinalityKeyNames;
import dev.kvstore.spring.KVStoreObservationDocumentation.LowCardinalityKeyNames;
import io.micrometer.common.KeyValues;

/**
 * The default {@link KVStoreObservationConvention}: observations named {@value #OPERATIONS} (single operations) and
 * {@value #WAITS} (waits and barriers, kept apart so that long waits do not drown the latency of single operations;
 * an observation's name cannot depend on its context, so there is one instance for each, see
 * {@link #forOperation}), tagged {@code backend}, {@code operation} and {@code outcome}; spans named
 * {@code kvstore <operation>} with the namespace, component and key. The exception's class is Micrometer's own
 * {@code error} tag (added by its meter and tracing handlers), so the convention does not repeat it.
 */
public class DefaultKVStoreObservationConvention implements KVStoreObservationConvention {

    /** Name of the observations (and timers) of single operations. */
    public static final String OPERATIONS = "kvstore.operations";

    /** Name of the observations (and timers) of waits and barriers. */
    public static final String WAITS = "kvstore.waits";

    private static final DefaultKVStoreObservationConvention SINGLE = new DefaultKVStoreObservationConvention();

    private static final DefaultKVStoreObservationConvention WAITING = new DefaultKVStoreObservationConvention(WAITS);

    private final String name;

    /** The convention of single operations, named {@value #OPERATIONS}. */
    public DefaultKVStoreObservationConvention() {
        this(OPERATIONS);
    }

    /** @param name the name of the observations (and so of their timers) */
    public DefaultKVStoreObservationConvention(String name) {
        this.name = name;
    }

    /** @return the default convention of the operation: {@value #WAITS} for waits and barriers, else {@value #OPERATIONS} */
    public static DefaultKVStoreObservationConvention forOperation(KVStoreOperation operation) {
        return operation.isWaiting() ? WAITING : SINGLE;
    }

    @Override
    public String getName() {
        return this.name;
    }

    @Override
    public String getContextualName(KVStoreObservationContext context) {
        return "kvstore " + context.getOperation().tagValue();
    }

    @Override
    public KeyValues getLowCardinalityKeyValues(KVStoreObservationContext context) {
        return KeyValues.of(LowCardinalityKeyNames.BACKEND.withValue(context.getBackend()),
                LowCardinalityKeyNames.OPERATION.withValue(context.getOperation().tagValue()),
                LowCardinalityKeyNames.OUTCOME.withValue(outcome(context)));
    }

    @Override
    public KeyValues getHighCardinalityKeyValues(KVStoreObservationContext context) {
        return KeyValues.of(HighCardinalityKeyNames.NAMESPACE.withValue(context.getNamespace()),
                HighCardinalityKeyNames.COMPONENT.withValue(context.getComponent()),
                HighCardinalityKeyNames.KEY.withValue(context.getKey()));
    }

    /** {@code unknown} while running, then {@code success}, {@code timeout} or {@code error}. */
    protected String outcome(KVStoreObservationContext context) {
        if (!context.isCompleted()) {
            return "unknown";
        }
        Throwable error = context.getError();
        return (error == null) ? "success" : (error instanceof KVStoreTimeoutException) ? "timeout" : "error";
    }

}
