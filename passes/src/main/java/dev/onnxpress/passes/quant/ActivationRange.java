package dev.onnxpress.passes.quant;

/** The range [min, max] an activation tensor is quantized over. */
public record ActivationRange(double min, double max) {
    public ActivationRange union(ActivationRange o) {
        return new ActivationRange(Math.min(min, o.min), Math.max(max, o.max));
    }
}
