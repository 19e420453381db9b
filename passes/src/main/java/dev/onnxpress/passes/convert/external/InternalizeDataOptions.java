package dev.onnxpress.passes.convert.external;

/** Options of {@code internalize_data} (none). */
public record InternalizeDataOptions() {
}
