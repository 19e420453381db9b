package dev.onnxpress.testing;

import dev.onnxpress.ir.DataType;
import dev.onnxpress.ir.Dim;
import dev.onnxpress.ir.Model;
import dev.onnxpress.ir.ModelWriter;
import dev.onnxpress.ir.Tensor;
import dev.onnxpress.ir.Value;
import dev.onnxpress.ir.ValueType;
import dev.onnxpress.ort.OrtRunner;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Runs a model in ONNX Runtime (optimizations off) on seeded random inputs before a rewrite, keeps the
 * outputs, and compares a rewritten model's outputs with them.
 *
 * <pre>
 * OrtEquivalence before = OrtEquivalence.capture(model);   // serializes and runs now
 * pass.run(model, options, ctx);                            // mutates the model in place
 * before.assertBitIdentical(model);                         // or assertWithin(model, 1e-6)
 * </pre>
 * Symbolic or unknown dimensions take the size given by name in {@code symbolicSizes}, else 2 for the
 * first dimension (batch) and 64 for the others. Floats are uniform in [-1, 1), integers in [0, 4).
 */
public final class OrtEquivalence {
    public static final long SEED = 20240611L;

    private final Map<String, Tensor> feeds;
    private final Map<String, Tensor> reference;

    private OrtEquivalence(Map<String, Tensor> feeds, Map<String, Tensor> reference) {
        this.feeds = feeds;
        this.reference = reference;
    }

    public static OrtEquivalence capture(Model before) {
        return capture(before, randomFeeds(before, SEED, Map.of()));
    }

    public static OrtEquivalence capture(Model before, Map<String, Tensor> feeds) {
        return new OrtEquivalence(Map.copyOf(feeds), run(before, feeds));
    }

    /** Captures from serialized bytes (e.g. a shared model file) with the given feeds. */
    public static OrtEquivalence capture(byte[] before, Map<String, Tensor> feeds) {
        try (OrtRunner r = OrtRunner.open(before)) {
            return new OrtEquivalence(Map.copyOf(feeds), r.run(feeds));
        }
    }

    public Map<String, Tensor> feeds() {
        return feeds;
    }

    public Map<String, Tensor> reference() {
        return reference;
    }

    /** Serializes the model and runs it in ORT with optimizations off. */
    public static Map<String, Tensor> run(Model m, Map<String, Tensor> feeds) {
        try (OrtRunner r = OrtRunner.open(ModelWriter.toBytes(m))) {
            return r.run(feeds);
        }
    }

    /** Seeded random feeds for every input a caller must provide. */
    public static Map<String, Tensor> randomFeeds(Model m, long seed, Map<String, Long> symbolicSizes) {
        Random random = new Random(seed);
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (Value in : m.graph().realInputs()) {
            ValueType.TensorType t = in.tensorType().orElseThrow(() -> new IllegalArgumentException(
                    "input '" + in.name() + "' has no tensor type: give feeds explicitly"));
            List<Dim> shape = t.shape().orElseThrow(() -> new IllegalArgumentException(
                    "input '" + in.name() + "' has no shape: give feeds explicitly"));
            long[] dims = new long[shape.size()];
            for (int i = 0; i < dims.length; i++) {
                Dim d = shape.get(i);
                if (d instanceof Dim.Known k) {
                    dims[i] = k.size();
                } else if (d instanceof Dim.Symbolic s && symbolicSizes.containsKey(s.name())) {
                    dims[i] = symbolicSizes.get(s.name());
                } else {
                    dims[i] = i == 0 ? 2 : 64;
                }
            }
            out.put(in.name(), randomTensor(t.elemType(), dims, random));
        }
        return out;
    }

    private static Tensor randomTensor(DataType type, long[] dims, Random random) {
        int n = Math.toIntExact(Tensor.elementCount(dims));
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = type.isFloatingPoint() ? random.nextDouble() * 2 - 1
                    : type == DataType.BOOL ? random.nextInt(2) : random.nextInt(4);
        }
        return Tensor.of(type, dims, v);
    }

    /** Largest absolute difference over all outputs; fails if names, types or shapes differ. */
    public double maxAbsDifference(Model after) {
        Map<String, Tensor> got = run(after, feeds);
        if (!got.keySet().equals(reference.keySet())) {
            throw new AssertionError("outputs differ: before " + reference.keySet() + ", after " + got.keySet());
        }
        double max = 0;
        for (Map.Entry<String, Tensor> e : reference.entrySet()) {
            Tensor want = e.getValue();
            Tensor have = got.get(e.getKey());
            if (want.dataType() != have.dataType() || !Arrays.equals(want.dims(), have.dims())) {
                throw new AssertionError("output '" + e.getKey() + "': before " + want + ", after " + have);
            }
            if (!want.dataType().isFloatingPoint()) {
                if (!want.contentEquals(have)) {
                    throw new AssertionError("output '" + e.getKey() + "' (" + want.dataType().displayName()
                            + ") differs");
                }
                continue;
            }
            double[] a = want.toDoubleArray();
            double[] b = have.toDoubleArray();
            for (int i = 0; i < a.length; i++) {
                if (Double.isNaN(a[i]) != Double.isNaN(b[i])) {
                    return Double.POSITIVE_INFINITY;
                }
                if (!Double.isNaN(a[i])) {
                    max = Math.max(max, Math.abs(a[i] - b[i]));
                }
            }
        }
        return max;
    }

    public void assertWithin(Model after, double tolerance) {
        double d = maxAbsDifference(after);
        if (!(d <= tolerance)) {
            throw new AssertionError("outputs differ by " + d + " (> " + tolerance + ")");
        }
    }

    /** Every output byte-for-byte the same as before. */
    public void assertBitIdentical(Model after) {
        Map<String, Tensor> got = run(after, feeds);
        if (!got.keySet().equals(reference.keySet())) {
            throw new AssertionError("outputs differ: before " + reference.keySet() + ", after " + got.keySet());
        }
        for (Map.Entry<String, Tensor> e : reference.entrySet()) {
            if (!e.getValue().contentEquals(got.get(e.getKey()))) {
                throw new AssertionError("output '" + e.getKey() + "' is not bit-identical: before "
                        + e.getValue() + ", after " + got.get(e.getKey()));
            }
        }
    }
}
