package dev.kvstore.spring.autoconfigure;

import io.etcd.jetcd.ClientBuilder;

/**
 * Customizes jetcd's {@link ClientBuilder} of the auto-configured etcd store, after the {@code kvstore.etcd.*}
 * properties and the {@link EtcdConnectionDetails} were applied and before the client is built: for example to add a
 * gRPC {@code ClientInterceptor} such as Micrometer's gRPC observation interceptor
 * ({@code builder.interceptor(new ObservationGrpcClientInterceptor(observationRegistry))}). Beans of this type are
 * applied in their order.
 */
@FunctionalInterface
public interface EtcdClientBuilderCustomizer {

    /**
     * Customize the client builder.
     * @param builder jetcd's builder, already configured by the starter
     */
    void customize(ClientBuilder builder);

}
