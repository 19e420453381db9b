package dev.onnxpress.quant;

import dev.onnxpress.data.DataSet;
import dev.onnxpress.ir.Tensor;
import dev.onnxpress.ort.LatencyStats;
import dev.onnxpress.ort.OptimizationLevel;
import dev.onnxpress.ort.OrtRunner;
import dev.onnxpress.passes.PassContext;
import dev.onnxpress.passes.quant.CalibrationMethod;
import dev.onnxpress.testing.SharedFiles;
import java.nio.file.Files;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/** The measurements behind {@code QuantizationBenchmark}. */
public final class QuantBench {
    private QuantBench() {
    }

    public static String table() {
        StringBuilder sb = new StringBuilder();
        sb.append("| model | variant | quality | Δ vs float | file bytes | size ratio | latency ms (median) | latency ratio |\n");
        sb.append("|---|---|---|---|---|---|---|---|\n");
        String[][] labelled = {{"mnist_cnn", "mnist"}, {"lenet5_fashion", "fashion"}, {"lenet300_fashion", "fashion"},
                {"vgg_bn_fashion", "fashion"}};
        for (String[] l : labelled) {
            byte[] original = read(l[0]);
            DataSet calib = l[1].equals("mnist") ? DataContext.mnistTest(1000) : DataContext.fashionCalibration(2000);
            DataSet test = l[1].equals("mnist") ? DataContext.mnistTest(0) : DataContext.fashionTest(0);
            PassContext ctx = new DataContext("calib", calib, QuantRecipes.folded(original, null0()), 64);
            Map<String, byte[]> variants = variants(original, ctx);
            Map<String, Tensor> feed = ProbeContext.probes(inputName(original), new long[] {1, 1, 28, 28}, 0, 1, 1, 5).get(0);
            double fa = 0;
            double fl = 0;
            for (Map.Entry<String, byte[]> v : variants.entrySet()) {
                double acc = DataContext.accuracy(v.getValue(), test, OptimizationLevel.ALL);
                double lat = latency(v.getValue(), feed, 50, 500);
                if (v.getKey().equals("float")) {
                    fa = acc;
                    fl = lat;
                }
                row(sb, l[0], v.getKey(), String.format(Locale.ROOT, "acc %.4f", acc),
                        String.format(Locale.ROOT, "%+.2f pt", 100 * (acc - fa)), v.getValue().length,
                        (double) original.length / v.getValue().length, lat, lat / fl);
            }
        }
        Object[][] probes = {{"ppocr_cls_mobile_v2", "x", new long[] {1, 3, 48, 192}, -1.0, 1.0},
                {"yolox_nano", "images", new long[] {1, 3, 416, 416}, 0.0, 255.0}};
        for (Object[] p : probes) {
            String name = (String) p[0];
            byte[] original = read(name);
            List<Map<String, Tensor>> calib = ProbeContext.probes((String) p[1], (long[]) p[2], (double) p[3], (double) p[4], 16, 1);
            List<Map<String, Tensor>> eval = ProbeContext.probes((String) p[1], (long[]) p[2], (double) p[3], (double) p[4], 8, 2);
            Map<String, byte[]> variants = variants(original, ProbeContext.of(calib));
            double fl = 0;
            for (Map.Entry<String, byte[]> v : variants.entrySet()) {
                double cos = minCosine(original, v.getValue(), eval);
                double lat = latency(v.getValue(), eval.get(0), 5, name.startsWith("yolox") ? 30 : 200);
                if (v.getKey().equals("float")) {
                    fl = lat;
                }
                row(sb, name, v.getKey(), String.format(Locale.ROOT, "min cos %.4f", cos), "", v.getValue().length,
                        (double) original.length / v.getValue().length, lat, lat / fl);
            }
        }
        sb.append("\nint8 = fold_batchnorm + quantize_int8(method=percentile, per_channel=true); ternary/binary = "
                + "fold_batchnorm + quantize_ternary/quantize_binary(refit_scale=true, keep_first_last=true). "
                + "Accuracy on the full test sets (MNIST calibrated on its first 1000 test images, Fashion on calib2k); "
                + "ppocr/yolox: cosine vs float on 8 seeded uniform probes (calibrated on 16 others). "
                + "Latency: ORT optimizations ALL, batch 1, 1 intra-op thread.\n");
        return sb.toString();
    }

    private static PassContext null0() {
        return ProbeContext.of(List.of());
    }

    static Map<String, byte[]> variants(byte[] original, PassContext ctx) {
        Map<String, byte[]> out = new java.util.LinkedHashMap<>();
        out.put("float", original);
        out.put("int8", QuantRecipes.int8(original, ctx, CalibrationMethod.percentile, Optional.empty()).bytes());
        out.put("ternary", QuantRecipes.ternary(original, ctx, true).bytes());
        out.put("binary", QuantRecipes.binary(original, ctx, true).bytes());
        return out;
    }

    private static void row(StringBuilder sb, String model, String variant, String quality, String delta, long bytes,
            double sizeRatio, double lat, double latRatio) {
        sb.append(String.format(Locale.ROOT, "| %s | %s | %s | %s | %d | %.2fx smaller | %.3f | %.2f |%n", model, variant,
                quality, delta, bytes, sizeRatio, lat, latRatio));
    }

    static byte[] read(String model) {
        try {
            return Files.readAllBytes(SharedFiles.model(model));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    static String inputName(byte[] model) {
        try (OrtRunner r = OrtRunner.open(model)) {
            return r.inputs().get(0).name();
        }
    }

    static double latency(byte[] model, Map<String, Tensor> feed, int warmup, int iterations) {
        try (OrtRunner r = OrtRunner.open(model, OrtRunner.Options.defaults().withOptimization(OptimizationLevel.ALL))) {
            LatencyStats s = r.measureLatency(feed, warmup, iterations);
            return s.medianMs();
        }
    }

    static double minCosine(byte[] a, byte[] b, List<Map<String, Tensor>> probes) {
        double min = 1;
        try (OrtRunner ra = OrtRunner.open(a); OrtRunner rb = OrtRunner.open(b)) {
            String out = ra.outputNames().get(0);
            for (Map<String, Tensor> f : probes) {
                min = Math.min(min, ProbeContext.cosine(ra.run(f, List.of(out)).get(out), rb.run(f, List.of(out)).get(out)));
            }
        }
        return min;
    }
}
