package dev.onnxpress.bench;

import dev.onnxpress.bind.Binder;
import dev.onnxpress.bind.Plan;
import dev.onnxpress.data.Batch;
import dev.onnxpress.data.DataSet;
import dev.onnxpress.data.ModelSignature;
import dev.onnxpress.ir.ModelReader;
import dev.onnxpress.ir.ModelWriter;
import dev.onnxpress.ort.LatencyMode;
import dev.onnxpress.ort.OrtRunner;
import dev.onnxpress.pipeline.PassManager;
import dev.onnxpress.pipeline.RunSettings;
import dev.onnxpress.report.PipelineReport;
import dev.onnxpress.scale.ScaleModels;
import dev.onnxpress.scale.ScaleRun;
import dev.onnxpress.testing.SharedFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What verifying a step costs, against plain ONNX Runtime measured in the same run (issue target: a per-step
 * verification ≤ 1.2× one plain evaluation of the verification data), and what memory verification takes as
 * the number of verification samples grows.
 *
 * <ul>
 *   <li>{@code cost}: one recipe step ({@code prune_magnitude(sparsity=10%)} on vgg_bn_fashion with 10,000
 *       Fashion-MNIST samples; {@code fold_batchnorm()} on the synthetic ResNet-50 with 32 random samples),
 *       latency off. The step's wall time (the pass, serializing, the session, running the data, every metric)
 *       against plain ONNX Runtime opening the model and running the same batches at the same batch size and
 *       thread count. Rounds alternate; medians. The pass's own time is inside the step's, so the ratio is an
 *       upper bound on the verification's.</li>
 *   <li>{@code memory}: peak RSS of {@code onnxpress run} in a child JVM ({@link ScaleRun}) at two sample
 *       counts: vgg_bn_fashion at 1,000 and 10,000 samples, and a 2-layer BERT-base-width encoder (outputs of
 *       128×768 floats a sample) at 64 and 512 random samples, each with the outputs kept in memory
 *       ({@code -Donnxpress.spillBytes} huge: how verification held them before) and with the default bound.</li>
 * </ul>
 * Not a test: {@code mvn -B -pl tests -am verify -Dtest=VerificationCostBenchmark -Dsurefire.failIfNoSpecifiedTests=false}.
 */
class VerificationCostBenchmark {
    @TempDir
    Path tmp;

    private static String fashion(int count) {
        return "data test = idx(images=\"" + SharedFiles.data("fashion-mnist/t10k-images-idx3-ubyte.gz")
                + "\", labels=\"" + SharedFiles.data("fashion-mnist/t10k-labels-idx1-ubyte.gz")
                + "\", scale=1/255, count=" + count + ")\nverify using test { accuracy max_drop 5% }\n";
    }

    @Test
    void cost() throws Exception {
        int rounds = Integer.getInteger("verify.rounds", 3);
        List<String> lines = new ArrayList<>();
        lines.add(measure("vgg_bn_fashion", SharedFiles.model("vgg_bn_fashion"),
                fashion(Integer.getInteger("verify.samples", 10_000)), "prune_magnitude(sparsity=10%)", rounds));
        Path resnet = tmp.resolve("resnet50.onnx");
        ModelWriter.write(ScaleModels.resnet50(50, true), resnet);
        lines.add(measure("resnet50 (synthetic)", resnet,
                "data test = random(count=32, seed=1)\nverify using test { cosine >= 0.999 }\n", "fold_batchnorm()",
                rounds));
        System.out.println();
        System.out.printf("%-22s %-32s %9s %9s %9s %8s%n", "model", "step", "samples", "plain s", "step s", "ratio");
        lines.forEach(System.out::println);
    }

    private String measure(String name, Path model, String data, String step, int rounds) throws Exception {
        Path recipe = tmp.resolve("cost.recipe");
        Files.writeString(recipe, "recipe \"cost\" version 1\n" + data + step + "\n");
        Plan plan = new Binder().bindFile(recipe, "cost.recipe");
        RunSettings s = RunSettings.defaults().withLatencyMode(LatencyMode.OFF).withProgress(false);
        int batch = s.batchSizeFor(ModelReader.read(model));
        double[] plain = new double[rounds];
        double[] verified = new double[rounds];
        int samples = 0;
        for (int i = 0; i < rounds; i++) {
            DataSet set = plan.dataSet("test").orElseThrow().load();
            samples = set.size();
            long t0 = System.nanoTime();
            try (OrtRunner ort = OrtRunner.open(model, OrtRunner.Options.defaults()
                    .withIntraOpThreads(s.verifyThreads()))) {
                for (Batch b : set.batches(ModelSignature.of(ort), batch)) {
                    ort.run(b.feeds());
                }
            }
            plain[i] = (System.nanoTime() - t0) / 1e9;
            PipelineReport r = new PassManager(s).run(plan, model, Optional.empty());
            PipelineReport.StepReport st = r.steps().get(0);
            if (!st.changed()) {
                throw new IllegalStateException(step + " changed nothing on " + name + ": nothing was verified");
            }
            verified[i] = st.wallSeconds();
            System.out.printf("%s round %d: plain %.2f s, step %.2f s (batch %d)%n", name, i + 1, plain[i], verified[i],
                    batch);
        }
        double p = median(plain);
        double v = median(verified);
        return String.format("%-22s %-32s %9d %9.2f %9.2f %8.2f", name, step, samples, p, v, v / p);
    }

    private static double median(double[] x) {
        double[] s = x.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    @Test
    void memory() throws Exception {
        List<String> lines = new ArrayList<>();
        Path vgg = SharedFiles.model("vgg_bn_fashion");
        Path encoder = tmp.resolve("encoder2.onnx");
        ModelWriter.write(ScaleModels.encoder(768, true, 2, 768, 12, 3072, 128), encoder);
        for (String spill : List.of("1000000000000", "")) {
            String mode = spill.isEmpty() ? "streamed (default bound)" : "held in memory";
            for (int n : new int[] {1000, 10_000}) {
                lines.add(child(mode, "vgg_bn_fashion", vgg, fashion(n), "prune_magnitude(sparsity=10%)", n, spill));
            }
            for (int n : new int[] {64, 512}) {
                lines.add(child(mode, "encoder 2×768", encoder, "data test = random(count=" + n + ", seed=1)\n"
                        + "verify using test { cosine >= 0.9 }\n", "prune_magnitude(sparsity=10%)", n, spill));
            }
        }
        System.out.println();
        System.out.printf("%-26s %-16s %8s %9s %9s %9s%n", "outputs", "model", "samples", "wall s", "RSS MB",
                "heap MB");
        lines.forEach(System.out::println);
    }

    private static final Pattern SCALE = Pattern.compile(
            "SCALE rc=(\\d+) wall_ms=(\\d+) peak_rss_kb=(-?\\d+) peak_heap_kb=(\\d+)");

    private String child(String mode, String name, Path model, String data, String step, int n, String spill)
            throws IOException, InterruptedException {
        Path recipe = tmp.resolve("mem" + n + ".recipe");
        Files.writeString(recipe, "recipe \"mem\" version 1\n" + data + step + "\n");
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        if (!spill.isEmpty()) {
            cmd.add("-Donnxpress.spillBytes=" + spill);
        }
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), ScaleRun.class.getName(), "cli", "run",
                recipe.toString(), "-i", model.toString(), "--latency", "off"));
        Path log = Files.createTempFile(tmp, "child", ".log");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (!p.waitFor(1, TimeUnit.HOURS)) {
            p.destroyForcibly();
            throw new IllegalStateException("child timed out: " + cmd);
        }
        List<String> out = Files.readAllLines(log);
        for (String l : out) {
            Matcher m = SCALE.matcher(l);
            if (m.find()) {
                String line = String.format("%-26s %-16s %8d %9.1f %9d %9d%s", mode, name, n,
                        Long.parseLong(m.group(2)) / 1e3, Long.parseLong(m.group(3)) >> 10,
                        Long.parseLong(m.group(4)) >> 10, m.group(1).equals("0") ? "" : "  rc=" + m.group(1) + " "
                                + out.get(Math.max(0, out.size() - 2)));
                System.out.println(line);
                return line;
            }
        }
        throw new IllegalStateException("child gave no figures: " + String.join("\n", out));
    }
}
