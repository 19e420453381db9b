package dev.onnxpress.passes.quant;

import dev.onnxpress.ir.DataType;
import dev.onnxpress.ir.Model;
import dev.onnxpress.ir.Tensor;
import dev.onnxpress.ort.OrtRunner;
import dev.onnxpress.passes.core.TapStream;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Measures the range of activation tensors on calibration batches: ONNX Runtime runs the float model with
 * the tensors tapped, run by run ({@link TapStream}), and each run is folded into one {@link Accumulator}
 * per tensor, so memory does not depend on the number of samples. The first sweep finds min and max;
 * percentile and entropy need a second sweep that fills a fixed-range histogram over that range (signed
 * with {@value #SIGNED_BINS} bins for percentiles, |x| of the non-zero values with {@value #ABS_BINS} bins
 * for entropy): the same bins as if every activation were held at once, without re-binning. Tensors that
 * are not float are left out of the answer.
 */
public final class ActivationRanges {
    static final int ABS_BINS = 2048;
    static final int SIGNED_BINS = 16384;
    private static final int ENTROPY_LEVELS = 128;

    private ActivationRanges() {
    }

    public static Map<String, ActivationRange> measure(Model model, List<String> tensors,
            List<Map<String, Tensor>> samples, CalibrationMethod method, double percentile) {
        return measure(model, tensors, samples, method, percentile, TapStream.DEFAULT_BUDGET, new LinkedHashMap<>());
    }

    /**
     * As {@link #measure(Model, List, List, CalibrationMethod, double)}, with {@code budgetBytes} of tapped values
     * per ORT run, leaving the accumulators in {@code accumulators} (tensor → its accumulator) for callers
     * that inspect them.
     */
    public static Map<String, ActivationRange> measure(Model model, List<String> tensors,
            List<Map<String, Tensor>> samples, CalibrationMethod method, double percentile, long budgetBytes,
            Map<String, Accumulator> accumulators) {
        Map<String, ActivationRange> out = new LinkedHashMap<>();
        if (tensors.isEmpty()) {
            return out;
        }
        try (TapStream taps = TapStream.open(model, tensors, OrtRunner.Options.defaults(),
                budgetBytes)) {
            taps.forEachFloats(samples, taps.names(), (name, type, dims, values) -> {
                if (type.isFloatingPoint()) {
                    accumulators.computeIfAbsent(name, k -> new Accumulator(method)).addMinMax(values);
                }
            });
            if (method != CalibrationMethod.minmax) {
                accumulators.values().forEach(Accumulator::startHistogram);
                List<String> floats = new ArrayList<>(accumulators.keySet());
                taps.forEachFloats(samples, floats, (name, type, dims, values) -> accumulators.get(name).addHistogram(values));
            }
        }
        for (String t : tensors) {
            Accumulator a = accumulators.get(t);
            if (a != null) {
                out.put(t, a.range(percentile));
            }
        }
        return out;
    }

    /**
     * The statistics of one tensor, fed run by run: min and max (sweep 1), then a histogram of fixed range
     * (sweep 2, percentile and entropy only). Its size does not depend on how many values it saw.
     */
    public static final class Accumulator {
        private final CalibrationMethod method;
        private double min;
        private double max;
        private long[] hist;
        private double width;

        public Accumulator(CalibrationMethod method) {
            this.method = method;
        }

        /** Sweep 1: min and max (starting from 0, so the range always holds zero). */
        public void addMinMax(FloatBuffer values) {
            double lo = min;
            double hi = max;
            for (int i = values.position(), n = values.limit(); i < n; i++) {
                float x = values.get(i);
                if (x < lo) {
                    lo = x;
                }
                if (x > hi) {
                    hi = x;
                }
            }
            min = lo;
            max = hi;
        }

        /** Ends sweep 1: the histogram's range is fixed from here on. */
        public void startHistogram() {
            if (method == CalibrationMethod.entropy) {
                hist = new long[ABS_BINS];
                double a = Math.max(-min, max);
                width = a > 0 ? a / hist.length : 1;
            } else {
                hist = new long[SIGNED_BINS];
                width = max > min ? (max - min) / hist.length : 1;
            }
        }

        /** Sweep 2: counts the values into the histogram. */
        public void addHistogram(FloatBuffer values) {
            long[] h = hist;
            int last = h.length - 1;
            if (method == CalibrationMethod.entropy) {
                for (int i = values.position(), n = values.limit(); i < n; i++) {
                    float x = values.get(i);
                    // exact zeros (Relu, padding) are exact at any threshold: counting them
                    // piles a spike on bin 0 that drags the KL optimum far too low (ncnn skips them too)
                    if (x != 0) {
                        h[Math.min(last, (int) (Math.abs(x) / width))]++;
                    }
                }
            } else {
                for (int i = values.position(), n = values.limit(); i < n; i++) {
                    h[Math.max(0, Math.min(last, (int) ((values.get(i) - min) / width)))]++;
                }
            }
        }

        /** The range the method picks. */
        public ActivationRange range(double percentile) {
            if (method == CalibrationMethod.minmax || hist == null) {
                return new ActivationRange(min, max);
            }
            if (method == CalibrationMethod.entropy) {
                double a = Math.max(-min, max);
                double th = a > 0 ? entropyThreshold(hist, a / hist.length) : 0;
                return new ActivationRange(Math.max(min, -th), Math.min(max, th));
            }
            return percentileRange(hist, min, max, percentile);
        }

        /** Bytes this accumulator holds (fields and histogram): constant in the number of values seen. */
        public long retainedBytes() {
            return 48 + (hist == null ? 0 : 16 + 8L * hist.length);
        }
    }

    /** The KL threshold of an |x| histogram whose bins are {@code binWidth} wide. */
    static double entropyThreshold(long[] hist, double binWidth) {
        return EntropyThreshold.of(hist, binWidth, ENTROPY_LEVELS);
    }

    /** The values at (100 − p)% and p% of a signed histogram over [min, max]. */
    static ActivationRange percentileRange(long[] h, double min, double max, double percentile) {
        long total = 0;
        for (long c : h) {
            total += c;
        }
        double w = max > min ? (max - min) / h.length : 0;
        double tailShare = (100 - percentile) / 100;
        long tail = (long) Math.floor(total * tailShare);
        long seen = 0;
        int lo = 0;
        while (lo < h.length - 1 && seen + h[lo] <= tail) {
            seen += h[lo++];
        }
        seen = 0;
        int hi = h.length - 1;
        while (hi > 0 && seen + h[hi] <= tail) {
            seen += h[hi--];
        }
        return new ActivationRange(min + lo * w,
                min + (hi + 1) * w);
    }
}
