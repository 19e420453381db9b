package dev.onnxpress.pipeline;

import dev.onnxpress.analysis.StaticShapes;
import dev.onnxpress.ir.Model;
import dev.onnxpress.ir.Node;
import dev.onnxpress.ir.Value;
import dev.onnxpress.ir.ValueType;

/**
 * The batch size {@code --batch 0} (the default) picks: as many samples as keep every activation of one run
 * within {@link #BUDGET} bytes (a pass that taps every activation holds all of them at once), between 1 and
 * {@link #MAX}. One sample's activation bytes are the sum over the main graph's node outputs of their
 * statically known sizes, an unknown dimension counted as 1. Small models get {@link #MAX}; a ResNet-50
 * (~150 MB of activations per 224×224 image) gets 3.
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
        StaticShapes shapes = StaticShapes.infer(m.graph(), m.defaultOpset());
        long total = 0;
        for (Node n : m.graph().nodes()) {
            for (Value v : n.outputs()) {
                if (v.isNone()) {
                    continue;
                }
                long[] d = shapes.dims(v).orElse(null);
                if (d == null) {
                    continue;
                }
                double count = 1;
                for (long x : d) {
                    // an unknown axis 0 is the batch; a known one is the model's fixed batch
                    count *= Math.max(1, x);
                }
                double sum = total + count * Math.max(8, elementBits(v)) / 8;
                if (sum > Long.MAX_VALUE / 4) {
                    return Long.MAX_VALUE / 4;
                }
                total = (long) sum;
            }
        }
        return total;
    }

    /** Bits of the value's declared element type; 32 when it declares none (node outputs often do not). */
    private static int elementBits(Value v) {
        return v.type().filter(t -> t instanceof ValueType.TensorType).map(t -> ((ValueType.TensorType) t).elemType().bits())
                .filter(b -> b > 0).orElse(32);
    }
}
