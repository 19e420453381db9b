package dev.onnxpress.ort;

import ai.onnxruntime.OrtSession.SessionOptions.OptLevel;

/**
 * ORT graph optimization levels. Verification runs use {@link #NONE} so that ORT neither hides nor
 * repeats a pass's rewrite. {@link #BASIC} keeps standard ONNX ops (it folds Conv+BN); {@link #EXTENDED}
 * introduces contrib ops and {@link #ALL} NCHWc layout ops, which only ORT can run.
 */
public enum OptimizationLevel {
    NONE(OptLevel.NO_OPT),
    BASIC(OptLevel.BASIC_OPT),
    EXTENDED(OptLevel.EXTENDED_OPT),
    ALL(OptLevel.ALL_OPT);

    private final OptLevel ort;

    OptimizationLevel(OptLevel ort) {
        this.ort = ort;
    }

    OptLevel ort() {
        return ort;
    }
}
