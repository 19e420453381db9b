package dev.onnxpress.dsl;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/** The recipe's default checks, {@code verify [using DATA] { … }}, applied after every step. */
public record VerifyBlock(Optional<String> using, List<Check> checks, SourceLocation location) {

    public VerifyBlock {
        Objects.requireNonNull(using, "using");
        checks = List.copyOf(checks);
        Objects.requireNonNull(location, "location");
    }
}
