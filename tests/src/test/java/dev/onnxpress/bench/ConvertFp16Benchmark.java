package dev.onnxpress.bench;

import dev.onnxpress.ir.DataType;
import dev.onnxpress.ir.Dim;
import dev.onnxpress.ir.Model;
import dev.onnxpress.ir.ModelReader;
import dev.onnxpress.ir.ModelWriter;
import dev.onnxpress.ir.Tensor;
import dev.onnxpress.ir.Value;
import dev.onnxpress.ort.LatencyStats;
import dev.onnxpress.ort.OptimizationLevel;
import dev.onnxpress.ort.OrtRunner;
import dev.onnxpress.passes.PassContext;
import dev.onnxpress.passes.PassOptions;
import dev.onnxpress.passes.convert.fp16.ConvertFp16Options;
import dev.onnxpress.passes.convert.fp16.ConvertFp16Pass;
import dev.onnxpress.testing.DatalessContext;
import dev.onnxpress.testing.SharedFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Float32 against convert_fp16 (keep_io_types=true) on every shared model, in one run: file size, ORT
 * CPU latency (median of 30 runs after 5 warm-ups, 1 thread, basic optimizations, which fold the Casts
 * in front of float16 weights) and conversion time per MB. Not a test: run it by name. The first model's
 * conversion includes probing ORT for float16 kernels; the probe cache is warm afterwards.
 * Writes the table to target/convert-fp16-benchmark.md and prints it.
 */
class ConvertFp16Benchmark {
    private static final List<String> MODELS = List.of("lenet300_fashion", "lenet5_fashion", "mnist_cnn",
            "ppocr_cls_mobile_v2", "ppocrv4_det", "ppocrv4_rec", "ultraface_rfb640", "vgg_bn_fashion", "yolox_nano");

    @Test
    void fp16AgainstFloat32() throws Exception {
        StringBuilder md = new StringBuilder();
        md.append("| model | fp32 KB | fp16 KB | size ratio | fp32 ms | fp16 ms | latency ratio | convert ms | ms/MB |"
                + " kept fp32 nodes | casts |\n");
        md.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (String name : MODELS) {
            Model m = ModelReader.read(SharedFiles.model(name));
            byte[] fp32 = ModelWriter.toBytes(m);
            Map<String, Tensor> feeds = feeds(name, m);
            long t0 = System.nanoTime();
            var r = new ConvertFp16Pass().run(m, PassOptions.defaults(ConvertFp16Options.class), context());
            long convertNs = System.nanoTime() - t0;
            byte[] fp16 = ModelWriter.toBytes(m);
            double l32 = latency(fp32, feeds).medianMs();
            double l16 = latency(fp16, feeds).medianMs();
            double mb = fp32.length / 1e6;
            md.append(String.format(Locale.ROOT, "| %s | %.0f | %.0f | %.2f | %.2f | %.2f | %.2f | %.0f | %.0f | %d | %d |%n",
                    name, fp32.length / 1024.0, fp16.length / 1024.0, (double) fp16.length / fp32.length, l32, l16,
                    l16 / l32, convertNs / 1e6, convertNs / 1e6 / mb, r.statistics().get("nodes_kept_float32").longValue(),
                    r.statistics().get("casts_inserted").longValue()));
        }
        Path out = Path.of("target", "convert-fp16-benchmark.md");
        Files.createDirectories(out.getParent());
        Files.writeString(out, md.toString());
        System.out.println(md);
    }

    private static LatencyStats latency(byte[] model, Map<String, Tensor> feeds) {
        try (OrtRunner r = OrtRunner.open(model, OrtRunner.Options.defaults().withOptimization(OptimizationLevel.BASIC))) {
            return r.measureLatency(feeds, 5, 30);
        }
    }

    private static Map<String, Tensor> feeds(String name, Model m) {
        Random random = new Random(42);
        boolean det = name.contains("det");
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (Value in : m.graph().realInputs()) {
            List<Dim> shape = in.tensorType().orElseThrow().shape().orElseThrow();
            long[] dims = new long[shape.size()];
            for (int i = 0; i < dims.length; i++) {
                dims[i] = shape.get(i).isKnown() ? shape.get(i).sizeOr(1)
                        : i == 0 ? 1 : i == 2 ? (det ? 64 : 48) : i == 3 ? (det ? 64 : 96) : 1;
            }
            double[] v = new double[Math.toIntExact(Tensor.elementCount(dims))];
            for (int i = 0; i < v.length; i++) {
                v[i] = random.nextDouble();
            }
            out.put(in.name(), Tensor.of(DataType.FLOAT, dims, v));
        }
        return out;
    }

    private static PassContext context() {
        return new DatalessContext("no data", 1);
    }
}
