package dev.onnxpress.passes.fold;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.onnxpress.ir.DataType;
import dev.onnxpress.ir.Model;
import dev.onnxpress.ir.Node;
import dev.onnxpress.ir.Tensor;
import dev.onnxpress.testing.RandomTensors;
import dev.onnxpress.testing.OrtEquivalence;
import java.util.Map;

/** Seeded tensors and a relative-error check shared by the fold pass tests. */
public final class FoldFixtures {
    private FoldFixtures() {
    }

    /** Uniform in [lo, hi). */
    public static Tensor random(DataType type, long seed, double lo, double hi, long... dims) {
        return RandomTensors.uniform(type, seed, lo, hi, dims);
    }

    public static Tensor random(long seed, long... dims) {
        return RandomTensors.random(seed, dims);
    }

    /** Largest |difference| over the largest |reference| value. */
    public static double relativeError(OrtEquivalence before, Model after) {
        double scale = 0;
        for (Tensor t : before.reference().values()) {
            if (t.dataType().isFloatingPoint()) {
                for (double d : t.toDoubleArray()) {
                    scale = Math.max(scale, Math.abs(d));
                }
            }
        }
        return before.maxAbsDifference(after) / Math.max(scale, 1e-30);
    }

    public static void assertClose(OrtEquivalence before, Model after, double tolerance) {
        double e = relativeError(before, after);
        assertTrue(e <= tolerance, "relative error " + e + " > " + tolerance);
    }

    public static long count(Model m, String op) {
        return m.graph().allNodes().stream().filter(n -> n.opType().equals(op)).count();
    }

    public static Map<String, Long> batch(long n) {
        return Map.of("batch", n);
    }

    public static boolean any(Model m, String op) {
        for (Node n : m.graph().allNodes()) {
            if (n.opType().equals(op)) {
                return true;
            }
        }
        return false;
    }
}
