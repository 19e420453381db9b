package dev.onnxpress.analysis;

import dev.onnxpress.ir.Graph;
import dev.onnxpress.ir.Model;
import dev.onnxpress.ir.Node;
import dev.onnxpress.ir.Value;
import dev.onnxpress.ir.ValueType;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * An estimate, from static shapes alone, of the memory one run of a model needs for its activations: the
 * model's inputs and every node output are allocated when produced and freed after their last reader, in the
 * graph's order, and the estimate is the largest total alive at once. An unknown dimension counts as
 * {@code batch} for the first one of a value and 1 for the rest; values of unknown rank count 0 (so the estimate
 * errs low on models whose shapes are not static, never high). Subgraphs are not counted. Linear in graph size.
 */
public final class ActivationMemory {
    private ActivationMemory() {
    }

    /** Bytes of activations alive at the peak of one run with {@code batch} samples. */
    public static long peakBytes(Model model, long batch) {
        Graph g = model.graph();
        StaticShapes shapes = StaticShapes.infer(g, model.defaultOpset());
        Map<Value, Integer> readsLeft = new HashMap<>();
        for (Node n : g.nodes()) {
            for (Value v : n.inputs()) {
                if (!v.isNone()) {
                    readsLeft.merge(v, 1, Integer::sum);
                }
            }
        }
        long live = 0;
        for (Value v : g.realInputs()) {
            live = add(live, bytes(v, shapes, batch));
        }
        long peak = live;
        for (Node n : g.nodes()) {
            for (Value out : n.outputs()) {
                if (!out.isNone()) {
                    live = add(live, bytes(out, shapes, batch));
                }
            }
            peak = Math.max(peak, live);
            for (Value in : n.inputs()) {
                // the caller's inputs, weights and outputs stay; outer-scope values are not ours
                if (in.isNone() || in.isInitializer() || in.isGraphOutput() || in.producer().isEmpty()) {
                    continue;
                }
                int left = readsLeft.merge(in, -1, Integer::sum);
                if (left == 0 && in.graph() == g) {
                    live -= bytes(in, shapes, batch);
                }
            }
        }
        return Math.max(0, peak);
    }

    /**
     * Bytes of every node output of the main graph together, with {@code batch} samples: what one run holds
     * when every activation is tapped at once (calibration), rather than the liveness peak of {@link #peakBytes}.
     */
    public static long totalBytes(Model model, long batch) {
        StaticShapes shapes = StaticShapes.infer(model.graph(), model.defaultOpset());
        long total = 0;
        for (Node n : model.graph().nodes()) {
            for (Value v : n.outputs()) {
                if (!v.isNone()) {
                    total = add(total, bytes(v, shapes, batch));
                }
            }
        }
        return total;
    }

    /** Bytes of one value, {@link Long#MAX_VALUE} when that overflows. */
    static long bytes(Value v, StaticShapes shapes, long batch) {
        Optional<long[]> dims = shapes.dims(v);
        if (dims.isEmpty()) {
            dims = v.tensorType().flatMap(ValueType.TensorType::knownDims);
        }
        if (dims.isEmpty()) {
            return 0;
        }
        int bits = v.tensorType().map(t -> t.elemType().bits()).filter(b -> b > 0).orElse(32);
        long count = 1;
        boolean batched = false;
        for (long d : dims.get()) {
            long size = d;
            if (d < 0) {
                size = batched ? 1 : batch;
                batched = true;
            }
            count = mul(count, size);
        }
        return mul(count, Math.max(1, bits / 8));
    }

    private static long mul(long a, long b) {
        if (a == 0 || b == 0) {
            return 0;
        }
        return a > Long.MAX_VALUE / b ? Long.MAX_VALUE : a * b;
    }

    private static long add(long a, long b) {
        return a > Long.MAX_VALUE - b ? Long.MAX_VALUE : a + b;
    }

    /** Bytes in words: "3.2 GB". */
    public static String text(long bytes) {
        if (bytes == Long.MAX_VALUE) {
            return "more than 9 EB";
        }
        String[] units = {"B", "KB", "MB", "GB", "TB", "PB", "EB"};
        double v = bytes;
        int u = 0;
        while (v >= 1000 && u < units.length - 1) {
            v /= 1000;
            u++;
        }
        return String.format(java.util.Locale.ROOT, u == 0 ? "%.0f %s" : "%.1f %s", v, units[u]);
    }
}
