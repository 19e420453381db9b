package dev.onnxpress.bench;

import dev.onnxpress.scale.ScaleChild;
import dev.onnxpress.scale.ScaleRun;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Recipes on full-size synthetic models ({@link dev.onnxpress.scale.ScaleModels}, generated here, never
 * committed) at growing calibration sample counts, each in its own JVM ({@link ScaleRun}): wall time, peak
 * heap, and peak RSS (VmHWM). The baseline, measured in the same run, is plain ONNX Runtime evaluating the
 * same number of samples of the same shape at the same thread count. Columns: peak heap and RSS; RSS against
 * the same recipe at the smallest count (target ≤ 1.25×) and against 4 × the model's size + 1.5 GB (target
 * ≤ 1); the baseline's run time (ORT s) and the recipe's wall against the baseline's (session included);
 * calib, the passes' tapped runs in samples per second of ONNX Runtime time against the baseline's (target
 * ≥ 0.8), their own accumulation work on top in "work s"; the load average when the run started.
 *
 * <p>Not a test: {@code mvn -B -pl tests -am verify -Dtest=ScaleBenchmark -Dsurefire.failIfNoSpecifiedTests=false
 * -Dscale.models=resnet50 -Dscale.samples=16,48,128 -Dscale.recipes=quant_minmax} (defaults: resnet50; 16,48;
 * quant_minmax). Models: resnet50, bert (BERT-base encoder), bert_external (~2.5 GB, external data).
 * {@code -Dscale.batch=N} passes {@code --batch N} (default 0, automatic); {@code -Dscale.xmx=4g} caps the
 * child heap; {@code -Dscale.jvm="-XX:MaxHeapFreeRatio=20 …"} adds JVM options to every child;
 * {@code -Dscale.timeout.minutes=120} bounds each child. Recipes: cleanup, quant_minmax,
 * quant_percentile, quant_entropy, prune_channels_l1, prune_channels_recon, prune_magnitude, prune_obs,
 * share_weights (assign=compensated), share_nearest, fp16, full.
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
        RECIPES.put("prune_channels_recon", "fold_batchnorm()\nprune_channels(criterion=reconstruction, ratio=30%,"
                + " compensate=true, calibration=calib)\n");
        RECIPES.put("prune_obs", "fold_batchnorm()\nprune_magnitude(sparsity=50%, criterion=obs, compensate=true,"
                + " calibration=calib)\n");
        RECIPES.put("share_nearest", "fold_batchnorm()\nshare_weights(bits=5)\n");
        RECIPES.put("fp16", "convert_fp16()\n");
        RECIPES.put("full", "prune_channels(criterion=l1, ratio=30%, compensate=true, calibration=calib)\n"
                + "fold_batchnorm()\nprune_magnitude(sparsity=50%, compensate=true, calibration=calib)\n"
                + "share_weights(bits=5, calibration=calib)\npack_huffman()\n");
    }

    record Result(long wallMs, long rssKb, long heapKb, int rc, String tail, long tapRunMs, long tapWorkMs,
            long tapSamples, long ortOpenMs, long ortRunMs) {
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
        lines.add(String.format("%-9s %-18s %5s %8s %7s %7s %6s %7s %8s %8s %6s %8s %6s  %s", "model", "recipe", "n",
                "wall s", "heapMB", "RSS MB", "RSS/n0", "RSS/tgt", "ORT s", "wall/ORT", "calib", "work s", "load",
                "note"));
        for (String model : models) {
            Path file = tmp.resolve(model + ".onnx");
            Result g = child("generate", model, file.toString(), "symbolic");
            long size = Files.size(file);
            // the memory target: 4 × the model's size + 1.5 GB
            long targetKb = (4 * size + (1536L << 20)) >> 10;
            System.out.printf("generated %s: %d MB in %.1f s (RSS target %d MB)%n", model, size >> 20, g.wallMs / 1e3,
                    targetKb >> 10);
            String[] input = model.startsWith("bert") ? new String[] {"x", "1x128x768"} : new String[] {"data", "1x3x224x224"};
            for (String recipe : recipes) {
                long rss0 = -1;
                for (int n : counts) {
                    Path r = tmp.resolve(recipe + n + ".recipe");
                    Files.writeString(r, "recipe \"" + recipe + "\" version 1\ndata calib = random(count=" + n
                            + ", seed=1)\n" + RECIPES.get(recipe));
                    String load = load();
                    Result base = child("ort", file.toString(), input[0], input[1], String.valueOf(n),
                            batch.equals("0") ? "1" : batch, threads);
                    Path json = tmp.resolve(recipe + n + ".json");
                    Result res = child("cli", "run", r.toString(), "-i", file.toString(), "-o",
                            tmp.resolve("out.onnx").toString(), "--latency-runs", "1", "--batch", batch,
                            "--threads", threads, "--report-json", json.toString());
                    if (rss0 < 0) {
                        rss0 = res.rssKb;
                    }
                    // calibration throughput: samples per second of the passes' tapped ORT runs against plain ORT
                    double calib = res.tapSamples <= 0 || res.tapRunMs <= 0 || base.ortRunMs <= 0 ? Double.NaN
                            : (res.tapSamples / (double) res.tapRunMs) / (n / (double) base.ortRunMs);
                    String line = String.format("%-9s %-18s %5d %8.1f %7d %7d %6.2f %7.2f %8.1f %8.2f %6.2f %8.1f %6s  %s",
                            model, recipe, n, res.wallMs / 1e3, res.heapKb >> 10, res.rssKb >> 10,
                            (double) res.rssKb / rss0, (double) res.rssKb / targetKb, base.ortRunMs / 1e3,
                            (double) res.wallMs / Math.max(1, base.ortRunMs + base.ortOpenMs), calib,
                            res.tapWorkMs / 1e3, load, res.rc == 0 ? "" : "rc=" + res.rc + " " + res.tail);
                    lines.add(line);
                    System.out.println(line);
                    String shares = stepShares(json, res.wallMs);
                    if (!shares.isEmpty()) {
                        lines.add("          steps: " + shares);
                        System.out.println("          steps: " + shares);
                    }
                }
            }
        }
        System.out.println();
        lines.forEach(System.out::println);
    }

    /**
     * Each step's wall time and its share of the run's wall, from the run's JSON report ("" when the run wrote
     * none): {@code pass s (share %)}, in recipe order; the remainder is loading, the original's evaluation
     * and writing.
     */
    static String stepShares(Path json, long wallMs) throws IOException {
        if (!Files.exists(json) || wallMs <= 0) {
            return "";
        }
        com.fasterxml.jackson.databind.JsonNode root = new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree(json.toFile());
        List<String> parts = new ArrayList<>();
        double steps = 0;
        for (com.fasterxml.jackson.databind.JsonNode s : root.path("steps")) {
            double sec = s.path("wall_seconds").asDouble(Double.NaN);
            steps += Double.isNaN(sec) ? 0 : sec;
            parts.add(String.format("%s %.1f s (%.0f %%)", s.path("pass").asText("?"), sec, 100 * sec * 1000 / wallMs));
        }
        double rest = wallMs / 1000.0 - steps;
        parts.add(String.format("rest %.1f s (%.0f %%)", rest, 100 * rest * 1000 / wallMs));
        return String.join(", ", parts);
    }

    /** The one-minute load average when a run starts (the machine is shared). */
    private static String load() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
        } catch (IOException e) {
            return "?";
        }
    }

    private static final Pattern TAPS = Pattern.compile("TAPS run_ms=(\\d+) work_ms=(\\d+) samples=(\\d+)");
    private static final Pattern ORT = Pattern.compile("ORT open_ms=(\\d+) run_ms=(\\d+)");

    private Result child(String... args) throws IOException, InterruptedException {
        List<String> jvm = new ArrayList<>();
        String xmx = System.getProperty("scale.xmx", "");
        if (!xmx.isEmpty()) {
            jvm.add("-Xmx" + xmx);
        }
        for (String opt : System.getProperty("scale.jvm", "").trim().split("\\s+")) {
            if (!opt.isEmpty()) {
                jvm.add(opt);
            }
        }
        ScaleChild.Output out = ScaleChild.run(tmp, jvm,
                java.time.Duration.ofMinutes(Long.getLong("scale.timeout.minutes", 120)), args);
        if (out.timedOut()) {
            return new Result(-1, -1, -1, -1, "timed out", -1, -1, -1, -1, -1);
        }
        long[] taps = {-1, -1, -1};
        long[] ort = {-1, -1};
        for (String l : out.lines()) {
            Matcher t = TAPS.matcher(l);
            if (t.find()) {
                taps = new long[] {Long.parseLong(t.group(1)), Long.parseLong(t.group(2)), Long.parseLong(t.group(3))};
            }
            Matcher o = ORT.matcher(l);
            if (o.find()) {
                ort = new long[] {Long.parseLong(o.group(1)), Long.parseLong(o.group(2))};
            }
        }
        long[] tp = taps;
        long[] op = ort;
        return out.scale().map(f -> new Result(f[1], f[2], f[3], (int) f[0], out.tail(), tp[0], tp[1], tp[2], op[0],
                op[1])).orElseGet(() -> new Result(-1, -1, -1, out.exitCode(), out.lastLines(), -1, -1, -1, -1, -1));
    }
}
