package dev.onnxpress.dsl;

import java.util.List;
import java.util.Objects;

/** A step's own checks, {@code tolerance { … }}, written after the step. */
public record Tolerance(List<Check> checks, SourceLocation location) {

    public Tolerance {
        checks = List.copyOf(checks);
        Objects.requireNonNull(location, "location");
    }
}
