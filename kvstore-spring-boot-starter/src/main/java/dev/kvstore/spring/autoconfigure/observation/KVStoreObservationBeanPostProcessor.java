package dev.kvstore.spring.autoconfigure.observation;

import dev.kvstore.api.KVStore;
import dev.kvstore.spring.KVStoreObservations;
import dev.kvstore.spring.ManagedKVStore;
import dev.kvstore.tcp.TcpKVStore;
import java.lang.reflect.Method;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.BeansException;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.BeanFactoryAware;
import org.springframework.beans.factory.NoSuchBeanDefinitionException;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.beans.factory.support.RootBeanDefinition;

/**
 * Observes the {@code KVStore} beans of the application as the auto-configured store is observed: a bean declared
 * as {@link KVStore} (the {@code @Bean} method's return type, or the registered bean class) is exposed as a
 * {@link ManagedKVStore} around it, which observes every operation and which the health indicator, the
 * {@code kvstore} endpoint and the server metrics understand. The bean itself stays the one closed on shutdown.
 *
 * <p>A bean declared as a concrete type (e.g. {@code TcpKVStore}) is left as it is, since wrapping it would break
 * injection points of that type; it is logged once at INFO. Declare it as {@code KVStore} to have it observed.
 */
class KVStoreObservationBeanPostProcessor implements BeanPostProcessor, BeanFactoryAware {

    private static final Logger logger = LoggerFactory.getLogger(KVStoreObservationBeanPostProcessor.class);

    private static final String ETCD_STORE = "dev.kvstore.etcd.EtcdKVStore";

    private final ObjectProvider<KVStoreObservations> observations;

    private @Nullable ConfigurableListableBeanFactory beanFactory;

    KVStoreObservationBeanPostProcessor(ObjectProvider<KVStoreObservations> observations) {
        this.observations = observations;
    }

    @Override
    public void setBeanFactory(BeanFactory beanFactory) {
        this.beanFactory = (beanFactory instanceof ConfigurableListableBeanFactory listable) ? listable : null;
    }

    @Override
    public Object postProcessAfterInitialization(Object bean, String beanName) throws BeansException {
        if (!(bean instanceof KVStore store) || bean instanceof ManagedKVStore) {
            return bean;
        }
        Class<?> declared = declaredType(beanName);
        if (declared != KVStore.class) {
            logger.info("KVStore bean '{}' is declared as {}, not KVStore: its operations are not observed "
                    + "(declare the bean as KVStore to observe them)", beanName,
                    (declared != null) ? declared.getName() : bean.getClass().getName());
            return bean;
        }
        KVStoreObservations resolved = this.observations.getIfAvailable(KVStoreObservations::none);
        return new ManagedKVStore(store, backendName(store), beanName + " " + store, false, resolved);
    }

    /** The type the bean is declared as: the factory method's return type, else the bean definition's class. */
    private @Nullable Class<?> declaredType(String beanName) {
        if (this.beanFactory == null) {
            return null;
        }
        BeanDefinition definition;
        try {
            definition = this.beanFactory.getMergedBeanDefinition(beanName);
        } catch (NoSuchBeanDefinitionException ex) {
            return null; // an inner bean or a registered singleton: nothing is declared
        }
        if (definition instanceof RootBeanDefinition root) {
            Method factoryMethod = root.getResolvedFactoryMethod();
            if (factoryMethod != null) {
                return factoryMethod.getReturnType();
            }
            return root.hasBeanClass() ? root.getBeanClass() : root.getTargetType();
        }
        return null;
    }

    /** Compared by name: jetcd, and so the etcd store class, is optional. */
    private static String backendName(KVStore store) {
        if (store instanceof TcpKVStore) {
            return "tcp";
        }
        return ETCD_STORE.equals(store.getClass().getName()) ? "etcd" : store.getClass().getSimpleName();
    }

}
