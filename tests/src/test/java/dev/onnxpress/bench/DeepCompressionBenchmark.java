package dev.onnxpress.bench;

import dev.onnxpress.bind.Binder;
import dev.onnxpress.bind.Plan;
import dev.onnxpress.ir.ModelReader;
import dev.onnxpress.ir.ModelWriter;
import dev.onnxpress.ort.OrtRunner;
import dev.onnxpress.pack.PackedTensor;
import dev.onnxpress.pipeline.PassManager;
import dev.onnxpress.pipeline.RunSettings;
import dev.onnxpress.report.PipelineReport;
import dev.onnxpress.runtime.OnnxpressRuntime;
import dev.onnxpress.testing.SharedFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Deep Compression without retraining on the Fashion-MNIST models: prune (with compensation) → share →
 * pack, each stage verified in ORT on the full 10,000-image test set (no accuracy budget here: the
 * benchmark measures, it does not stop). Prints a Markdown table of file size, ratio and accuracy drop per
 * stage, then the decode speed of the runtime on ppocrv4_rec's packed tensors. Run by name:
 * {@code mvn -pl tests test -Dtest=DeepCompressionBenchmark}.
 */
class DeepCompressionBenchmark {

    /**
     * Per-layer sparsity chosen on the calibration set (calib2k) only, never on the test set. lenet5: magnitude
     * masks with compensation. lenet300: picked by {@link DeepCompressionRecipeSearch} (4-fold cross-validation
     * on calib2k, the lowest held-out KL divergence to the dense model among candidates whose files stay ≥ 42×
     * smaller, a margin over the 40× target): every lossy stage fits the input model (reference=input), so
     * sharing repairs the pruning error too; fc2 is pruned first, so the fc1 outputs the pruned fc2 no longer
     * reads go first; SparseGPT-style masks (criterion=obs) weighing each output's error by how strongly the
     * next layer reads it (weigh_outputs), bias refit; weights rounded to the codebook GPTQ-style
     * (assign=compensated); biases of ≥ 100 elements stored as float16 behind a Cast; internal names
     * compacted (they are ~6% of a 26 KB model). fc3 (1,000 weights) is left dense.
     */
    static final Map<String, String> RECIPES = Map.of(
            "lenet5_fashion", """
                    prune_magnitude(sparsity=50%, layers=name("*conv1*"), compensate=true, calibration=calib)
                    prune_magnitude(sparsity=83%, layers=name("*conv2*"), compensate=true, calibration=calib)
                    prune_magnitude(sparsity=92%, layers=name("*fc1*"), compensate=true, calibration=calib)
                    prune_magnitude(sparsity=40%, layers=name("*fc2*"), compensate=true, calibration=calib)
                    share_weights(bits=4, layers=all, refit=true, calibration=calib)
                    pack_huffman(min_bytes=256)
                    strip_docs(names=compact, keep_producer=false)
                    """,
            "lenet300_fashion", """
                    prune_magnitude(sparsity=90%, layers=name("*fc2*"), compensate=true, refit_bias=true, criterion=obs, reference=input, weigh_outputs=true, calibration=calib)
                    prune_magnitude(sparsity=90%, layers=name("*fc1*"), compensate=true, refit_bias=true, criterion=obs, reference=input, weigh_outputs=true, calibration=calib)
                    share_weights(bits=4, layers=all, assign=compensated, refit_bias=true, reference=input, calibration=calib)
                    convert_fp16(min_cast_elements=100)
                    pack_huffman(min_bytes=256)
                    strip_docs(names=compact, keep_producer=false)
                    """);

    @Test
    void sizeAndAccuracyPerStage() throws Exception {
        StringBuilder md = new StringBuilder();
        md.append("| model | stage | file bytes | ratio | accuracy | drop (pts) |\n|---|---|---:|---:|---:|---:|\n");
        for (String model : List.of("lenet300_fashion", "lenet5_fashion")) {
            Path dir = Files.createTempDirectory("dc-bench");
            Path recipe = dir.resolve(model + ".recipe");
            String data = SharedFiles.data("fashion-mnist").toAbsolutePath().toString();
            Files.writeString(recipe, "recipe \"" + model + " deep compression\" version 1\n"
                    + "data calib = idx(images=\"" + data + "/calib2k-images-idx3-ubyte.gz\", scale=1/255)\n"
                    + "data test = idx(images=\"" + data + "/t10k-images-idx3-ubyte.gz\", labels=\"" + data
                    + "/t10k-labels-idx1-ubyte.gz\", scale=1/255)\n"
                    + "verify using test { accuracy max_drop 100% }\n" + RECIPES.get(model));
            Plan plan = new Binder().bindFile(recipe, recipe.toString());
            PipelineReport r = new PassManager(RunSettings.defaults().withLatencyIterations(0))
                    .run(plan, SharedFiles.model(model), Optional.of(dir.resolve("out.onnx")));
            long base = r.baseline().bytes();
            double acc0 = r.baseline().accuracy().orElse(Double.NaN);
            md.append(row(model, "original", base, base, acc0, acc0));
            for (PipelineReport.StepReport s : r.steps()) {
                md.append(row(model, s.pass() + " " + s.options(), s.bytes(), base,
                        s.metrics().accuracy().orElse(Double.NaN), acc0));
            }
            md.append(row(model, "written file", r.output().orElseThrow().bytes(), r.input().bytes(),
                    r.steps().get(r.steps().size() - 1).metrics().accuracy().orElse(Double.NaN), acc0));
        }
        System.out.println(md);
        decodeSpeed();
    }

    private static String row(String model, String stage, long bytes, long base, double acc, double acc0) {
        return String.format(Locale.ROOT, "| %s | %s | %,d | %.1f× | %.2f%% | %.2f |%n", model,
                stage.replace("|", "\\|"), bytes, (double) base / bytes, 100 * acc, 100 * (acc - acc0));
    }

    /** MB/s of decoded tensors: packs ppocrv4_rec's weights, then decodes all of them, warm. */
    private static void decodeSpeed() {
        var m = ModelReader.read(SharedFiles.model("ppocrv4_rec"));
        List<byte[]> blobs = new ArrayList<>();
        long raw = 0;
        for (var n : m.graph().allNodes()) {
            if (n.is("Constant")) {
                var t = m.graph().constantValue(n.output());
                if (t.isPresent() && t.get().byteSize() >= 1024 && t.get().dataType().isFloatingPoint()) {
                    blobs.add(PackedTensor.encode(t.get()));
                    raw += t.get().byteSize();
                }
            }
        }
        for (var t : m.graph().initializers().values()) {
            if (t.byteSize() >= 1024 && t.dataType().isFloatingPoint()) {
                blobs.add(PackedTensor.encode(t));
                raw += t.byteSize();
            }
        }
        long packed = blobs.stream().mapToLong(b -> b.length).sum();
        double best = Double.MAX_VALUE;
        for (int rep = 0; rep < 5; rep++) {
            long t0 = System.nanoTime();
            for (byte[] b : blobs) {
                PackedTensor.decode(b);
            }
            best = Math.min(best, (System.nanoTime() - t0) / 1e9);
        }
        System.out.printf(Locale.ROOT, "decode: %d tensors, %.1f MB decoded from %.1f MB packed in %.3f s: %.0f MB/s%n",
                blobs.size(), raw / 1e6, packed / 1e6, best, raw / 1e6 / best);
        long t0 = System.nanoTime();
        byte[] plain = OnnxpressRuntime.toPlainOnnx(ModelWriter.toBytes(m));
        try (OrtRunner r = OrtRunner.open(plain)) {
            System.out.printf(Locale.ROOT, "plain model round trip through the runtime: %.3f s%n",
                    (System.nanoTime() - t0) / 1e9);
        }
    }
}
