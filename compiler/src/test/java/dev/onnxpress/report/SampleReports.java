package dev.onnxpress.report;

import dev.onnxpress.report.PipelineReport.Baseline;
import dev.onnxpress.report.PipelineReport.CheckResult;
import dev.onnxpress.report.PipelineReport.FileInfo;
import dev.onnxpress.report.PipelineReport.Metrics;
import dev.onnxpress.report.PipelineReport.Outcome;
import dev.onnxpress.report.PipelineReport.SkipEntry;
import dev.onnxpress.report.PipelineReport.Status;
import dev.onnxpress.report.PipelineReport.StepReport;
import dev.onnxpress.report.PipelineReport.Verdict;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalLong;

/** Hand-built reports: every shape the renderers must handle, with user text that tries to break them. */
final class SampleReports {
    static final String NASTY = "<script>alert(\"x&y\")</script> 'q' \u0001";
    static final String INPUT_PATH = "models/vgg <bn> & \"fashion\".onnx";
    static final String RECIPE = """
            recipe "shrink <vgg> & \\"co\\"" version 1
            data test = idx(images="t10k-images.gz", labels="t10k-labels.gz", scale=1/255)
            verify using test { top1_agreement >= 0.98 }
            strip_training_nodes()
            try r in [50%, 30%] {
              prune_channels(ratio=r, layers=op("Conv") - name("*head*"))
            }
            quantize_int8(calibration=test) tolerance { accuracy max_drop 0.5 }
            """;

    private SampleReports() {
    }

    static CheckResult check(String metric, String op, double bound, double measured) {
        return check(metric + " vs original " + op + " " + bound, metric, op, bound, measured);
    }

    /** As the pipeline reports {@code accuracy max_drop X}: the measured accuracy against baseline minus X. */
    static CheckResult check(String text, String metric, String op, double bound, double measured) {
        boolean passed = op.equals(">=") ? measured >= bound : measured <= bound;
        return new CheckResult(text, metric, "original", op, bound, measured, passed);
    }

    /**
     * Baseline and four steps: a clean strip, a rejected {@code try} attempt, the accepted attempt with
     * per-layer details, and a breach with NaN metrics that ends the run.
     */
    static PipelineReport breach() {
        Baseline base = new Baseline(OptionalDouble.of(0.9312), 2.0, 61_234_567L, 15_250_000L,
                OptionalLong.of(313_000_000L), 57);
        List<StepReport> steps = new ArrayList<>();
        steps.add(new StepReport("strip_training_nodes", "", "recipe.txt:4:1", Optional.empty(), true,
                Map.of("nodes_removed", 3, "bytes_saved", 1024.0), List.of(), List.of(), 61_233_543L, 15_250_000L,
                54, OptionalLong.of(313_000_000L), 1.9,
                new Metrics(0.0, 0.0, 1.0, OptionalDouble.of(1.0), OptionalDouble.of(0.9312)),
                new Verdict(true, List.of(check("top1_agreement", ">=", 0.98, 1.0))), 0.42, Map.of()));
        steps.add(new StepReport("prune_channels", "ratio=50%, layers=op(\"Conv\") - name(\"*head*\")",
                "recipe.txt:6:3", Optional.of("r=50%"), true, Map.of("channels_pruned", 1200),
                List.of(new SkipEntry("node 'conv<1>'", "depthwise & grouped conv " + NASTY),
                        new SkipEntry("node \"head/conv\"", "excluded by selector")),
                List.of("ratio applied per layer"), 16_000_000L, 4_000_000L, 54, OptionalLong.of(80_000_000L), 0.6,
                new Metrics(3.25, 12.5, 0.9123, OptionalDouble.of(0.912), OptionalDouble.of(0.85)),
                new Verdict(false, List.of(check("top1_agreement", ">=", 0.98, 0.912))), 3.1, Map.of()));
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("ratio", 0.3);
        details.put("layers", List.of(
                row("conv1", 64, 45, 1.5e-3),
                row("conv2 <main> & \"b\"", 128, 90, Double.NaN),
                row("fc", 512, 358, 2.25e-2)));
        details.put("importance", "l1");
        steps.add(new StepReport("prune_channels", "ratio=30%, layers=op(\"Conv\") - name(\"*head*\")",
                "recipe.txt:6:3", Optional.of("r=30%"), true, Map.of("channels_pruned", 720),
                List.of(new SkipEntry("node 'conv<1>'", "depthwise & grouped conv")), List.of(), 30_000_000L,
                7_500_000L, 54, OptionalLong.of(150_000_000L), 1.0,
                new Metrics(0.0123, 0.25, 0.99912, OptionalDouble.of(0.9855), OptionalDouble.of(0.9281)),
                new Verdict(true, List.of(check("top1_agreement", ">=", 0.98, 0.9855))), 3.4, details));
        steps.add(new StepReport("quantize_int8", "calibration=test", "recipe.txt:8:1", Optional.empty(), true,
                Map.of("tensors_quantized", 16), List.of(), List.of(), 7_600_000L, 7_500_000L, 70,
                OptionalLong.empty(), 1.1,
                new Metrics(Double.NaN, Double.POSITIVE_INFINITY, Double.NaN, OptionalDouble.of(0.4),
                        OptionalDouble.of(0.4012)),
                new Verdict(false, List.of(check("accuracy max_drop 0.5", "accuracy", ">=", 0.9262, 0.4012))), 5.0,
                Map.of()));
        return new PipelineReport(new FileInfo(INPUT_PATH, "ab".repeat(32), 61_234_567L), Optional.empty(), RECIPE,
                "recipes/shrink <1>.txt", base, steps,
                new Outcome(Status.TOLERANCE_BREACH,
                        Optional.of("recipe.txt:8:1: quantize_int8(calibration=test): "
                                + "accuracy drop 53.00 > 0.5 points")),
                "idx t10k-images.gz (10000 samples) & <labels>", 14.2);
    }

    private static Map<String, Object> row(String layer, int before, int after, double error) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("layer", layer);
        m.put("channels_before", before);
        m.put("channels_after", after);
        m.put("error", error);
        return m;
    }

    /** A successful run of two semantics-preserving steps on a model without labels or a MAC count. */
    static PipelineReport unlabeled() {
        Baseline base = new Baseline(OptionalDouble.empty(), 0.25, 4_500L, 1_000L, OptionalLong.empty(), 5);
        List<StepReport> steps = List.of(
                new StepReport("remove_identity", "", "<one-line>:1:1", Optional.empty(), true, Map.of(), List.of(),
                        List.of(), 4_400L, 1_000L, 4, OptionalLong.empty(), 0.25,
                        new Metrics(0.0, 0.0, 1.0, OptionalDouble.empty(), OptionalDouble.empty()),
                        new Verdict(true, List.of()), 0.01, Map.of()),
                new StepReport("strip_docs", "keep=[\"author\"]", "<one-line>:1:19", Optional.empty(), false,
                        Map.of(), List.of(), List.of(), 4_400L, 1_000L, 4, OptionalLong.empty(), 0.2,
                        new Metrics(0.0, 0.0, 1.0, OptionalDouble.empty(), OptionalDouble.empty()),
                        new Verdict(true, List.of()), 0.01, Map.of()));
        return new PipelineReport(new FileInfo("tiny.onnx", "00".repeat(32), 4_500L),
                Optional.of(new FileInfo("out/tiny.onnx", "11".repeat(32), 4_400L)),
                "recipe \"one-line\" version 1\nremove_identity()\nstrip_docs(keep=[\"author\"])\n", "<one-line>",
                base, steps, new Outcome(Status.OK, Optional.empty()), "random(count=8, seed=1)", 0.5);
    }

    /** Many steps (a {@code repeat} loop) with a long per-layer table: the dense layout of charts and tables. */
    static PipelineReport many(int stepCount) {
        Baseline base = new Baseline(OptionalDouble.of(0.91), 12.0, 480_000_000L, 120_000_000L,
                OptionalLong.of(9_000_000_000L), 400);
        List<StepReport> steps = new ArrayList<>();
        long bytes = base.bytes();
        double accuracy = 0.91;
        for (int i = 0; i < stepCount; i++) {
            bytes = bytes * 9 / 10;
            accuracy -= 0.0007 * (i % 3);
            List<Map<String, Object>> layers = new ArrayList<>();
            for (int l = 0; l < 30; l++) {
                layers.add(row("block" + l + "/conv", 256, 256 - 8 * (i + 1), 1e-4 * (l + 1)));
            }
            boolean passed = i != stepCount - 1;
            steps.add(new StepReport("prune_channels", "ratio=10%", "recipe.txt:5:5", Optional.empty(), true,
                    Map.of("channels_pruned", 240), List.of(), List.of(), bytes, bytes / 4, 400,
                    OptionalLong.of(9_000_000_000L - 400_000_000L * i), 12.0 - 0.5 * i,
                    new Metrics(1e-3 * (i + 1), 1e-2 * (i + 1), 0.9999 - 1e-4 * i, OptionalDouble.of(0.99 - 0.002 * i),
                            OptionalDouble.of(accuracy)),
                    new Verdict(passed, List.of(check("accuracy max_drop 1.2", "accuracy", ">=", 0.898, accuracy))), 2.0,
                    Map.of("layers", layers)));
        }
        return new PipelineReport(new FileInfo("models/big.onnx", "cd".repeat(32), base.bytes()), Optional.empty(),
                "recipe \"repeat\" version 1\nrepeat max 20 {\n  prune_channels(ratio=10%)\n}\n", "repeat.txt",
                base, steps, new Outcome(Status.TOLERANCE_BREACH, Optional.of("recipe.txt:5:5: stop")),
                "idx test (1000 samples)", 60.0);
    }

    /** A run that failed before any step finished. */
    static PipelineReport empty() {
        Baseline base = new Baseline(OptionalDouble.empty(), Double.NaN, 0L, 0L, OptionalLong.empty(), 0);
        return new PipelineReport(new FileInfo("", "", 0L), Optional.empty(), "", "", base, List.of(),
                new Outcome(Status.ERROR, Optional.empty()), "", 0.0);
    }
}
