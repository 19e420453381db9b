package dev.onnxpress.pipeline;

import dev.onnxpress.analysis.OutputMetrics;
import dev.onnxpress.data.Batch;
import dev.onnxpress.ir.DataType;
import dev.onnxpress.ir.Tensor;
import java.nio.FloatBuffer;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A model's outputs over the whole evaluation data, each output's values concatenated over the batches
 * (padding rows of a fixed-size last batch dropped). Numeric outputs only; strings are not compared.
 *
 * <p>Each output is a {@link FloatSeries}: appended batch by batch ({@link Builder}) and read back in order by
 * the metrics ({@link Fidelity}, {@link NonFinite}), which never hold a whole output; a large output lives in a
 * temporary file, so memory does not depend on the number of samples.
 *
 * <p>{@code classes}: for the first output, the number of classes when it looks like a classifier's
 * ({@code [N, C]} floats, C ≥ 2), else 0.
 */
final class Outputs implements AutoCloseable {
    private final Map<String, FloatSeries> series;
    private final int classes;

    private Outputs(Map<String, FloatSeries> series, int classes, boolean unused) {
        this.series = Collections.unmodifiableMap(new LinkedHashMap<>(series));
        this.classes = classes;
    }

    /** Outputs held as arrays (tests, and commands that compare per output). */
    Outputs(Map<String, float[]> values, int classes) {
        this(inMemory(values), classes, false);
    }

    private static Map<String, FloatSeries> inMemory(Map<String, float[]> values) {
        Map<String, FloatSeries> out = new LinkedHashMap<>();
        values.forEach((k, v) -> out.put(k, FloatSeries.of(v)));
        return out;
    }

    /** How many rows a batch fed and how many of them are real samples. */
    record Rows(long fed, int real) {
        static Rows of(Batch b) {
            long fed = b.feeds().values().stream().filter(t -> t.rank() > 0).mapToLong(t -> t.dim(0))
                    .findFirst().orElse(b.count());
            return new Rows(fed, b.count());
        }
    }

    /** Gathers per-batch results in order, one batch at a time. */
    static final class Builder {
        private final Map<String, FloatSeries> series = new LinkedHashMap<>();
        private int classes = -1;

        /** One batch's outputs ({@code rows}: what it fed and how many rows are real samples). */
        void add(Rows rows, Map<String, Tensor> result) {
            boolean first = true;
            for (Map.Entry<String, Tensor> e : result.entrySet()) {
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
                int n = v.length;
                if (t.rank() > 0 && t.dim(0) == rows.fed() && rows.real() < rows.fed()) {
                    n = (int) (v.length / rows.fed() * rows.real());
                }
                FloatSeries s = series.get(e.getKey());
                if (s == null) {
                    s = new FloatSeries();
                    series.put(e.getKey(), s);
                }
                s.append(FloatBuffer.wrap(v, 0, n));
            }
        }

        Outputs build() {
            return new Outputs(series, Math.max(0, classes), false);
        }
    }

    /** Output names, in the model's output order. */
    java.util.Set<String> names() {
        return series.keySet();
    }

    /** One output's values. */
    FloatSeries series(String name) {
        return series.get(name);
    }

    /** Output name → its values (read sequentially; never hold them all). */
    Map<String, FloatSeries> series() {
        return series;
    }

    int classes() {
        return classes;
    }

    /**
     * A view of one output ({@code classes}: its class count when it is to be read as a classifier's, else
     * 0), sharing this one's series: read it, never close it (closing this closes the series).
     */
    Outputs only(String name, int classes) {
        return new Outputs(Map.of(name, series.get(name)), classes, false);
    }

    /** The first output's series, when it looks like a classifier's; null otherwise. */
    FloatSeries classifier() {
        return classes == 0 || series.isEmpty() ? null : series.values().iterator().next();
    }

    /** Argmax per row of the first output, when it looks like a classifier's (for tests and small data). */
    int[] predictions() {
        FloatSeries s = classifier();
        return s == null ? new int[0] : OutputMetrics.argmaxRows(s.toArray(), classes);
    }

    /** Largest magnitude over every finite output value. */
    double maxAbs() {
        double m = 0;
        for (FloatSeries s : series.values()) {
            if (s.maxAbsFinite > m) {
                m = s.maxAbsFinite;
            }
        }
        return m;
    }

    /** Removes the temporary files of spilled outputs. */
    @Override
    public void close() {
        series.values().forEach(FloatSeries::close);
    }
}
