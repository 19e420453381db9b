package dev.onnxpress.passes.convert.fp16;

import dev.onnxpress.ir.DataType;
import dev.onnxpress.ir.Dim;
import dev.onnxpress.ir.Float16;
import dev.onnxpress.ir.Graph;
import dev.onnxpress.ir.Model;
import dev.onnxpress.ir.Node;
import dev.onnxpress.ir.Tensor;
import dev.onnxpress.ir.Value;
import dev.onnxpress.ir.ValueType;
import dev.onnxpress.ort.OrtRunner;
import dev.onnxpress.passes.core.ElementTypes;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * The values a float model computes, measured for float16: ONNX Runtime runs the float32 model with every
 * float node output of the main graph added as an extra output, on the first few given batches, and each value's
 * largest finite magnitude and float16 precision loss is recorded. Graph inputs are measured from the feeds.
 *
 * <p>Precision loss of a value = ‖fp16(x) − x‖ / ‖x‖ over its finite values (a value in float16's normal
 * range loses at most 2^-11 ≈ 4.9e-4; one living below 6.1e-5, float16's smallest normal, loses far more,
 * and below 6e-8 it becomes 0). Values that overflow float16 have a loss of 1 or more.
 */
final class Fp16Ranges {
    /** What one value measured over every batch. */
    record Range(double maxAbs, double precisionLoss, long nonFinite) {
    }

    /** Batches measured: the range of a value shows on a few batches, and each costs a run per value group. */
    static final int MAX_BATCHES = 4;
    /** Tapped values fetched by the first ORT run of a batch; later runs take as many as fit {@link #RUN_BYTES}. */
    static final int VALUES_PER_RUN = 32;
    /**
     * Bytes of tapped values one run may return (estimated from the largest value seen so far): each run executes
     * the whole model, so a fixed number of values per run made the runs grow with the square of the depth.
     */
    static final long RUN_BYTES = 256L << 20;

    private Fp16Ranges() {
    }

    /** The float values of the main graph worth measuring: node outputs and real graph inputs. */
    static List<Value> floatValues(Graph g, ElementTypes types) {
        List<Value> out = new ArrayList<>();
        for (Value v : g.realInputs()) {
            if (types.of(v).orElse(DataType.UNDEFINED) == DataType.FLOAT) {
                out.add(v);
            }
        }
        for (Node n : g.nodes()) {
            for (Value o : n.outputs()) {
                if (!o.isNone() && types.of(o).orElse(DataType.UNDEFINED) == DataType.FLOAT
                        && o.type().map(t -> t instanceof ValueType.TensorType).orElse(true)) {
                    out.add(o);
                }
            }
        }
        return out;
    }

    /**
     * Measures on the first {@link #MAX_BATCHES} batches; each run fetches at most {@link #VALUES_PER_RUN}
     * tapped values, so memory stays at a few activations per batch whatever the model's depth.
     */
    static Map<String, Range> measure(Model model, List<Value> values, List<Map<String, Tensor>> batches) {
        List<String> names = new ArrayList<>();
        values.forEach(v -> names.add(v.name()));
        Map<String, double[]> acc = new LinkedHashMap<>(); // maxAbs, Σ err², Σ x², non-finite
        try (OrtRunner ort = OrtRunner.open(model, names, OrtRunner.Options.defaults())) {
            List<String> fetch = new ArrayList<>();
            for (String n : names) {
                if (ort.outputNames().contains(n)) {
                    fetch.add(n);
                }
            }
            int used = Math.min(batches.size(), MAX_BATCHES);
            for (int b = 0; b < used; b++) {
                Map<String, Tensor> feeds = batches.get(b);
                for (String n : names) {
                    Tensor t = feeds.get(n);
                    if (t != null && t.dataType().isFloatingPoint()) {
                        add(acc.computeIfAbsent(n, k -> new double[4]), t.toFloatArray());
                    }
                }
                // each value's statistics accumulate batch by batch whatever the grouping: results do not depend on it
                int step = VALUES_PER_RUN;
                long largest = 1;
                for (int from = 0; from < fetch.size(); from += step) {
                    if (from > 0) {
                        step = (int) Math.max(VALUES_PER_RUN, Math.min(fetch.size(), RUN_BYTES / largest));
                    }
                    List<String> part = fetch.subList(from, Math.min(fetch.size(), from + step));
                    Map<String, Tensor> r = ort.run(feeds, part);
                    for (String n : part) {
                        Tensor t = r.get(n);
                        if (t != null) {
                            largest = Math.max(largest, t.dataType() == DataType.STRING ? 1 : t.byteSize());
                        }
                        if (t != null && t.dataType().isFloatingPoint()) {
                            add(acc.computeIfAbsent(n, k -> new double[4]), t.toFloatArray());
                        }
                    }
                }
            }
        }
        Map<String, Range> out = new LinkedHashMap<>();
        acc.forEach((n, a) -> out.put(n, new Range(a[0], a[2] > 0 ? Math.sqrt(a[1] / a[2]) : 0, (long) a[3])));
        return out;
    }

    private static void add(double[] a, float[] xs) {
        for (float x : xs) {
            if (!Float.isFinite(x)) {
                a[3]++;
                continue;
            }
            double abs = Math.abs(x);
            a[0] = Math.max(a[0], abs);
            float h = Float16.toFloat(Float16.fromFloat(x));
            double err = Float.isFinite(h) ? (double) h - x : abs; // an overflow loses the whole value
            a[1] += err * err;
            a[2] += (double) x * x;
        }
    }

    /**
     * Seeded random feeds for a model the run gave no data for: floats uniform in [0, 1), other numbers 0,
     * unknown dims 1 (or the run's sizes).
     */
    static List<Map<String, Tensor>> probes(Graph g, Random random, Map<String, Long> dimSizes, int count) {
        List<Map<String, Tensor>> out = new ArrayList<>();
        for (int s = 0; s < count; s++) {
            Map<String, Tensor> feeds = new LinkedHashMap<>();
            for (Value v : g.realInputs()) {
                var tt = v.tensorType().orElse(null);
                if (tt == null || tt.shape().isEmpty()) {
                    return List.of();
                }
                List<Dim> shape = tt.shape().get();
                long[] dims = new long[shape.size()];
                for (int i = 0; i < dims.length; i++) {
                    Dim d = shape.get(i);
                    dims[i] = d instanceof Dim.Known k ? k.size()
                            : d instanceof Dim.Symbolic sym ? dimSizes.getOrDefault(sym.name(), 1L) : 1;
                }
                long n = Tensor.elementCount(dims);
                if (n > 1L << 26) {
                    return List.of();
                }
                double[] x = new double[(int) n];
                if (tt.elemType().isFloatingPoint()) {
                    for (int i = 0; i < x.length; i++) {
                        x[i] = random.nextDouble();
                    }
                }
                feeds.put(v.name(), Tensor.of(tt.elemType(), dims, x));
            }
            out.add(feeds);
        }
        return out;
    }
}
