package dev.onnxpress.bench;

import dev.onnxpress.scale.ScaleRun;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Recipes on full-size synthetic models ({@link dev.onnxpress.scale.ScaleModels}, generated here, never
 * committed) at growing calibration sample counts, each in its own JVM ({@link ScaleRun}): wall time, peak
 * heap, and peak RSS (VmHWM). The baseline, measured in the same run, is plain ONNX Runtime evaluating the
 * same number of samples of the same shape at the same thread count. Ratios: RSS against the same recipe at
 * the smallest count (target ≤ 1.25×), wall against the baseline.
 *
 * <p>Not a test: {@code mvn -B -pl tests -am verify -Dtest=ScaleBenchmark -Dsurefire.failIfNoSpecifiedTests=false
 * -Dscale.models=resnet50 -Dscale.samples=16,48,128 -Dscale.recipes=quant_minmax} (defaults: resnet50; 16,48;
 * quant_minmax). Models: resnet50, bert (BERT-base encoder), bert_external (~2.5 GB, external data).
 * {@code -Dscale.batch=N} passes {@code --batch N} (default 0, automatic); {@code -Dscale.xmx=4g} caps the
 * child heap.
 */
class ScaleBenchmark {
    @TempDir
    Path tmp;

    static final Map<String, String> RECIPES = new LinkedHashMap<>();

    static {
        RECIPES.put("cleanup", "strip_training_nodes()\nfold_batchnorm()\nfold_constants()\nfuse_scale_bias()\n"
                + "eliminate_common_subexpressions()\n");
        RECIPES.put("quant_minmax", "fold_batchnorm()\nquantize_int8(method=minmax, per_channel=true, calibration=calib)\n");
        RECIPES.put("quant_percentile", "fold_batchnorm()\nquantize_int8(method=percentile, per_channel=true,"
                + " calibration=calib)\n");
        RECIPES.put("quant_entropy", "fold_batchnorm()\nquantize_int8(method=entropy, per_channel=true, calibration=calib)\n");
        RECIPES.put("prune_channels_l1", "fold_batchnorm()\nprune_channels(criterion=l1, ratio=30%, compensate=true,"
                + " calibration=calib)\n");
        RECIPES.put("prune_magnitude", "fold_batchnorm()\nprune_magnitude(sparsity=50%, compensate=true, calibration=calib)\n");
        RECIPES.put("share_weights", "fold_batchnorm()\nshare_weights(bits=5, assign=compensated, calibration=calib)\n");
        RECIPES.put("fp16", "convert_fp16()\n");
        RECIPES.put("full", "prune_channels(criterion=l1, ratio=30%, compensate=true, calibration=calib)\n"
                + "fold_batchnorm()\nprune_magnitude(sparsity=50%, compensate=true, calibration=calib)\n"
                + "share_weights(bits=5, calibration=calib)\npack_huffman()\n");
    }

    record Result(long wallMs, long rssKb, long heapKb, int rc, String tail) {
    }

    @Test
    void scale() throws Exception {
        List<String> models = List.of(System.getProperty("scale.models", "resnet50").split(","));
        int[] counts = Arrays.stream(System.getProperty("scale.samples", "16,48").split(","))
                .mapToInt(Integer::parseInt).toArray();
        List<String> recipes = List.of(System.getProperty("scale.recipes", "quant_minmax").split(","));
        String batch = System.getProperty("scale.batch", "0");
        String threads = System.getProperty("scale.threads", "1");
        List<String> lines = new ArrayList<>();
        lines.add(String.format("%-14s %-18s %6s %9s %9s %9s %8s %9s %9s", "model", "recipe", "n", "wall s",
                "RSS MB", "heap MB", "RSS/n0", "base s", "wall/base"));
        for (String model : models) {
            Path file = tmp.resolve(model + ".onnx");
            Result g = child("generate", model, file.toString(), "symbolic");
            System.out.printf("generated %s: %d MB in %.1f s%n", model, Files.size(file) >> 20, g.wallMs / 1e3);
            String[] input = model.startsWith("bert") ? new String[] {"x", "1x128x768"} : new String[] {"data", "1x3x224x224"};
            for (String recipe : recipes) {
                long rss0 = -1;
                for (int n : counts) {
                    Path r = tmp.resolve(recipe + n + ".recipe");
                    Files.writeString(r, "recipe \"" + recipe + "\" version 1\ndata calib = random(count=" + n
                            + ", seed=1)\n" + RECIPES.get(recipe));
                    Result base = child("ort", file.toString(), input[0], input[1], String.valueOf(n),
                            batch.equals("0") ? "1" : batch, threads);
                    Result res = child("cli", "run", r.toString(), "-i", file.toString(), "-o",
                            tmp.resolve("out.onnx").toString(), "--latency-runs", "1", "--batch", batch,
                            "--threads", threads);
                    if (rss0 < 0) {
                        rss0 = res.rssKb;
                    }
                    String line = String.format("%-14s %-18s %6d %9.1f %9d %9d %8.2f %9.1f %9.2f%s", model, recipe, n,
                            res.wallMs / 1e3, res.rssKb >> 10, res.heapKb >> 10, (double) res.rssKb / rss0,
                            base.wallMs / 1e3, (double) res.wallMs / Math.max(1, base.wallMs),
                            res.rc == 0 ? "" : "  rc=" + res.rc + " " + res.tail);
                    lines.add(line);
                    System.out.println(line);
                }
            }
        }
        System.out.println();
        lines.forEach(System.out::println);
    }

    private static final Pattern SCALE = Pattern.compile("SCALE rc=(\\d+) wall_ms=(\\d+) peak_rss_kb=(-?\\d+) peak_heap_kb=(\\d+)");

    private Result child(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        String xmx = System.getProperty("scale.xmx", "");
        if (!xmx.isEmpty()) {
            cmd.add("-Xmx" + xmx);
        }
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(ScaleRun.class.getName());
        cmd.addAll(List.of(args));
        Path log = Files.createTempFile(tmp, "child", ".log");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (!p.waitFor(2, TimeUnit.HOURS)) {
            p.destroyForcibly();
            throw new IllegalStateException("child timed out: " + cmd);
        }
        List<String> out = Files.readAllLines(log);
        String tail = out.isEmpty() ? "" : out.get(Math.max(0, out.size() - 2));
        for (String l : out) {
            Matcher m = SCALE.matcher(l);
            if (m.find()) {
                return new Result(Long.parseLong(m.group(2)), Long.parseLong(m.group(3)), Long.parseLong(m.group(4)),
                        Integer.parseInt(m.group(1)), tail);
            }
        }
        return new Result(-1, -1, -1, p.exitValue(), String.join(" | ", out.subList(Math.max(0, out.size() - 3), out.size())));
    }
}
