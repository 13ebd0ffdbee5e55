package dev.kvstore.api;

import dev.kvstore.internal.KeyLayout;

/**
 * A store bound to another component that runs its operations on its owner's backend and connection. It has no
 * backend operations of its own to forward: {@link ComponentStore} calls the owner's directly.
 */
final class ComponentView extends ComponentStore {

    private final AbstractKVStore owner;

    ComponentView(AbstractKVStore owner, KeyLayout layout) {
        super(layout);
        this.owner = owner;
    }

    @Override
    AbstractKVStore backend() {
        return owner;
    }

    @Override
    public KVStore withComponent(String component) {
        return owner.withComponent(component);
    }

    @Override
    void release(boolean cleanup) {
        // A view does not own the connection.
    }
}
