package dev.onnxpress.passes.quant;

/** How activation ranges are chosen from calibration data. */
public enum CalibrationMethod {
    /** The observed minimum and maximum. */
    minmax,
    /** The given percentile at the top (and its mirror at the bottom) of the observed values. */
    percentile,
    /** The KL-divergence threshold over a 2048-bin |x| histogram ({@link EntropyThreshold}). */
    entropy
}
