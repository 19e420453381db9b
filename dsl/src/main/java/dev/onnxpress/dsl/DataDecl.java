package dev.onnxpress.dsl;

import java.util.List;
import java.util.Objects;

/** {@code data NAME = kind(arg=value, …)}; the binder knows the kinds (idx, npy, …). */
public record DataDecl(String name, String kind, List<Arg> args, SourceLocation location) {

    public DataDecl {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(kind, "kind");
        args = List.copyOf(args);
        Objects.requireNonNull(location, "location");
    }
}
