package dev.onnxpress.pipeline;

import dev.onnxpress.analysis.ActivationMemory;
import dev.onnxpress.ir.Model;

/**
 * The batch size {@code --batch 0} (the default) picks: as many samples as keep every activation of one run
 * within {@link #BUDGET} bytes (a pass that taps every activation holds all of them at once), between 1 and
 * {@link #MAX}. One sample's activation bytes are the sum over the main graph's node outputs of their
 * statically known sizes ({@link ActivationMemory#totalBytes}), an unknown dimension counted as 1. Small
 * models get {@link #MAX}; a ResNet-50 (~150 MB of activations per 224×224 image) gets 3.
 */
final class AutoBatch {
    static final long BUDGET = 512L << 20;
    static final int MAX = 256;

    private AutoBatch() {
    }

    static int of(Model m) {
        long perSample = activationBytesPerSample(m);
        return (int) Math.max(1, Math.min(MAX, BUDGET / Math.max(1, perSample)));
    }

    static long activationBytesPerSample(Model m) {
        return ActivationMemory.totalBytes(m, 1);
    }
}
