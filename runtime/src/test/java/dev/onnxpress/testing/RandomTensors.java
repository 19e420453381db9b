package dev.onnxpress.testing;

import dev.onnxpress.ir.DataType;
import dev.onnxpress.ir.Tensor;
import java.util.Random;

/** Seeded random tensors for tests. */
public final class RandomTensors {
    private RandomTensors() {
    }

    /** Uniform in [lo, hi). */
    public static Tensor uniform(DataType type, long seed, double lo, double hi, long... dims) {
        Random r = new Random(seed);
        double[] v = new double[(int) Tensor.elementCount(dims)];
        for (int i = 0; i < v.length; i++) {
            v[i] = lo + (hi - lo) * r.nextDouble();
        }
        return Tensor.of(type, dims, v);
    }

    /** Float, uniform in [-1, 1). */
    public static Tensor random(long seed, long... dims) {
        return uniform(DataType.FLOAT, seed, -1, 1, dims);
    }
}
