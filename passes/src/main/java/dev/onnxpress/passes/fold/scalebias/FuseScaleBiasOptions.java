package dev.onnxpress.passes.fold.scalebias;

/** {@code fuse_scale_bias} has no options. */
public record FuseScaleBiasOptions() {
}
