package dev.kvstore.spring.autoconfigure;

import dev.kvstore.spring.KVStoreStartupException;
import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Reports a store that could not start (etcd unreachable, authentication or TLS refused, the master's port in use,
 * the master unreachable, the rendezvous timed out) as Spring Boot's Description / Action, without a stack trace.
 */
class KVStoreStartupFailureAnalyzer extends AbstractFailureAnalyzer<KVStoreStartupException> {

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, KVStoreStartupException cause) {
        return new FailureAnalysis(cause.description(), cause.action(), cause);
    }

}
