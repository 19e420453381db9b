package dev.onnxpress.passes.convert.ortformat;

/** Options of {@code save_ort_format} (none: the .ort file goes next to the output, same base name). */
public record SaveOrtFormatOptions() {
}
