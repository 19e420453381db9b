package dev.onnxpress.dsl;

import java.util.Objects;
import java.util.Optional;

/** One argument of a step or data kind: {@code name=value}, or a positional value (no name). */
public record Arg(Optional<String> name, Value value, SourceLocation location) {

    public Arg {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(value, "value");
        Objects.requireNonNull(location, "location");
    }

    public static Arg named(String name, Value value) {
        return new Arg(Optional.of(name), value, SourceLocation.UNKNOWN);
    }

    public static Arg positional(Value value) {
        return new Arg(Optional.empty(), value, SourceLocation.UNKNOWN);
    }
}
