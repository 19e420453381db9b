package dev.onnxpress.passes;

/** A data set named in the recipe (e.g. {@code calibration=calib}); the context resolves it to samples. */
public record DataRef(String name) {
}
