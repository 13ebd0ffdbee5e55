/**
 * Auto-configuration of a {@link dev.kvstore.api.KVStore} from {@code kvstore.*} properties: the etcd or TCPStore
 * backend, connection details, torchrun's environment, and the failure analyzer of a store that did not start.
 */
@NullMarked
package dev.kvstore.spring.autoconfigure;

import org.jspecify.annotations.NullMarked;
