package dev.onnxpress.bind;

import dev.onnxpress.passes.Pass;
import dev.onnxpress.passes.PassRegistry;
import java.util.List;
import java.util.Optional;

/**
 * Where the binder looks passes up: the {@link PassRegistry} in production; tests give their own
 * passes so recipes can be bound against passes that do not exist yet.
 */
public interface PassCatalog {
    Optional<Pass<?>> find(String id);

    List<String> ids();

    static PassCatalog registry() {
        return new PassCatalog() {
            @Override
            public Optional<Pass<?>> find(String id) {
                return PassRegistry.find(id);
            }

            @Override
            public List<String> ids() {
                return PassRegistry.ids();
            }
        };
    }

    /** Exactly these passes. */
    static PassCatalog of(List<? extends Pass<?>> passes) {
        List<Pass<?>> list = List.copyOf(passes);
        return new PassCatalog() {
            @Override
            public Optional<Pass<?>> find(String id) {
                return list.stream().filter(p -> p.info().id().equals(id)).<Pass<?>>map(p -> p).findFirst();
            }

            @Override
            public List<String> ids() {
                return list.stream().map(p -> p.info().id()).toList();
            }
        };
    }

    /** These passes first, then the registry's. */
    static PassCatalog registryPlus(List<? extends Pass<?>> extra) {
        PassCatalog mine = of(extra);
        PassCatalog reg = registry();
        return new PassCatalog() {
            @Override
            public Optional<Pass<?>> find(String id) {
                return mine.find(id).or(() -> reg.find(id));
            }

            @Override
            public List<String> ids() {
                List<String> all = new java.util.ArrayList<>(mine.ids());
                reg.ids().stream().filter(i -> !all.contains(i)).forEach(all::add);
                return List.copyOf(all);
            }
        };
    }
}
