package dev.onnxpress.passes.quant;

import dev.onnxpress.ir.Model;
import dev.onnxpress.ir.ModelWriter;
import dev.onnxpress.ir.Tensor;
import dev.onnxpress.ort.OrtRunner;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Measures the range of activation tensors on calibration batches: ONNX Runtime runs the float model with
 * the tensors tapped. The first sweep finds min and max; percentile and entropy need a second sweep that
 * fills a histogram over that range (signed with {@value #SIGNED_BINS} bins for percentiles, |x| of the
 * non-zero values with {@value #ABS_BINS} bins for entropy). Tensors that are not float are left out of the answer.
 */
public final class ActivationRanges {
    static final int ABS_BINS = 2048;
    static final int SIGNED_BINS = 16384;
    private static final int ENTROPY_LEVELS = 128;

    private ActivationRanges() {
    }

    public static Map<String, ActivationRange> measure(Model model, List<String> tensors,
            List<Map<String, Tensor>> samples, CalibrationMethod method, double percentile) {
        Map<String, ActivationRange> out = new LinkedHashMap<>();
        if (tensors.isEmpty()) {
            return out;
        }
        Map<String, double[]> minMax = new LinkedHashMap<>();
        try (OrtRunner ort = OrtRunner.open(OrtRunner.withTaps(ModelWriter.toBytes(model), tensors))) {
            for (Map<String, Tensor> feeds : samples) {
                Map<String, Tensor> r = ort.run(feeds, tensors);
                for (String t : tensors) {
                    Tensor v = r.get(t);
                    if (!v.dataType().isFloatingPoint()) {
                        continue;
                    }
                    double[] mm = minMax.computeIfAbsent(t, k -> new double[] {0, 0});
                    for (float x : v.toFloatArray()) {
                        if (x < mm[0]) {
                            mm[0] = x;
                        }
                        if (x > mm[1]) {
                            mm[1] = x;
                        }
                    }
                }
            }
            if (method == CalibrationMethod.MINMAX) {
                minMax.forEach((t, mm) -> out.put(t, new ActivationRange(mm[0], mm[1])));
                return out;
            }
            List<String> floats = new ArrayList<>(minMax.keySet());
            Map<String, long[]> hist = new LinkedHashMap<>();
            for (String t : floats) {
                hist.put(t, new long[method == CalibrationMethod.ENTROPY ? ABS_BINS : SIGNED_BINS]);
            }
            for (Map<String, Tensor> feeds : samples) {
                Map<String, Tensor> r = ort.run(feeds, floats);
                for (String t : floats) {
                    double[] mm = minMax.get(t);
                    long[] h = hist.get(t);
                    float[] xs = r.get(t).toFloatArray();
                    if (method == CalibrationMethod.ENTROPY) {
                        double a = Math.max(-mm[0], mm[1]);
                        double w = a > 0 ? a / h.length : 1;
                        for (float x : xs) {
                            // exact zeros (Relu, padding) are exact at any threshold: counting them
                            // piles a spike on bin 0 that drags the KL optimum far too low (ncnn skips them too)
                            if (x != 0) {
                                h[Math.min(h.length - 1, (int) (Math.abs(x) / w))]++;
                            }
                        }
                    } else {
                        double w = mm[1] > mm[0] ? (mm[1] - mm[0]) / h.length : 1;
                        for (float x : xs) {
                            h[Math.max(0, Math.min(h.length - 1, (int) ((x - mm[0]) / w)))]++;
                        }
                    }
                }
            }
            for (String t : floats) {
                double[] mm = minMax.get(t);
                long[] h = hist.get(t);
                if (method == CalibrationMethod.ENTROPY) {
                    double a = Math.max(-mm[0], mm[1]);
                    double th = a > 0 ? EntropyThreshold.of(h, a / h.length, ENTROPY_LEVELS) : 0;
                    out.put(t, new ActivationRange(Math.max(mm[0], -th), Math.min(mm[1], th)));
                } else {
                    out.put(t, percentileRange(h, mm[0], mm[1], percentile));
                }
            }
        }
        return out;
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
