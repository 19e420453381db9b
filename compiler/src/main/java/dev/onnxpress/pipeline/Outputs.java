package dev.onnxpress.pipeline;

import dev.onnxpress.analysis.OutputMetrics;
import dev.onnxpress.data.Batch;
import dev.onnxpress.ir.DataType;
import dev.onnxpress.ir.Tensor;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A model's outputs over the whole evaluation data, each output's values concatenated over the batches
 * (padding rows of a fixed-size last batch dropped). Numeric outputs only; strings are not compared.
 *
 * @param values  output name → values, in the model's output order
 * @param classes for the first output, the number of classes when it looks like a classifier's
 *                ({@code [N, C]} floats, C ≥ 2), else 0
 */
record Outputs(Map<String, float[]> values, int classes) {
    Outputs {
        values = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(values));
    }

    /** How many rows a batch fed and how many of them are real samples. */
    record Rows(long fed, int real) {
        static Rows of(Batch b) {
            long fed = b.feeds().values().stream().filter(t -> t.rank() > 0).mapToLong(t -> t.dim(0))
                    .findFirst().orElse(b.count());
            return new Rows(fed, b.count());
        }
    }

    /** Gathers per-batch results (same order as {@code rows}). */
    static Outputs of(List<Rows> batches, List<Map<String, Tensor>> results) {
        Map<String, float[][]> parts = new LinkedHashMap<>();
        int classes = -1;
        for (int b = 0; b < results.size(); b++) {
            long rows = batches.get(b).fed();
            int real = batches.get(b).real();
            boolean first = true;
            for (Map.Entry<String, Tensor> e : results.get(b).entrySet()) {
                Tensor t = e.getValue();
                if (t.dataType() == DataType.STRING) {
                    first = false;
                    continue;
                }
                if (first) {
                    boolean classifier = t.rank() == 2 && t.dim(1) >= 2 && t.dataType().isFloatingPoint();
                    int c = classifier ? (int) t.dim(1) : 0;
                    classes = classes < 0 ? c : (classes == c ? c : 0);
                    first = false;
                }
                float[] v = t.toFloatArray();
                if (t.rank() > 0 && t.dim(0) == rows && real < rows) {
                    v = java.util.Arrays.copyOf(v, (int) (v.length / rows * real));
                }
                parts.computeIfAbsent(e.getKey(), k -> new float[results.size()][])[b] = v;
            }
        }
        Map<String, float[]> values = new LinkedHashMap<>();
        for (Map.Entry<String, float[][]> e : parts.entrySet()) {
            int total = 0;
            for (float[] p : e.getValue()) {
                total += p == null ? 0 : p.length;
            }
            float[] all = new float[total];
            int at = 0;
            for (float[] p : e.getValue()) {
                if (p != null) {
                    System.arraycopy(p, 0, all, at, p.length);
                    at += p.length;
                }
            }
            values.put(e.getKey(), all);
        }
        return new Outputs(values, Math.max(0, classes));
    }

    /** Argmax per row of the first output, when it looks like a classifier's. */
    int[] predictions() {
        if (classes == 0 || values.isEmpty()) {
            return new int[0];
        }
        return OutputMetrics.argmaxRows(values.values().iterator().next(), classes);
    }

    /** Largest magnitude over every finite output value. */
    double maxAbs() {
        double m = 0;
        for (float[] v : values.values()) {
            for (float x : v) {
                if (Float.isFinite(x) && Math.abs(x) > m) {
                    m = Math.abs(x);
                }
            }
        }
        return m;
    }
}
