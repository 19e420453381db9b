package dev.onnxpress.dsl;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The recipe's default checks, {@code verify [using DATA] [on RUNTIME, …] { … }}, applied after every
 * step. {@code runtimes} are the deployment runtimes every step also runs in (besides ONNX Runtime),
 * compared against the original model in ONNX Runtime with the same checks.
 */
public record VerifyBlock(Optional<String> using, List<String> runtimes, List<Check> checks, SourceLocation location) {

    public VerifyBlock {
        Objects.requireNonNull(using, "using");
        runtimes = List.copyOf(runtimes);
        checks = List.copyOf(checks);
        Objects.requireNonNull(location, "location");
    }

    public VerifyBlock(Optional<String> using, List<Check> checks, SourceLocation location) {
        this(using, List.of(), checks, location);
    }
}
