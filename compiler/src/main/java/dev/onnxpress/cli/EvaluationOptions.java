package dev.onnxpress.cli;

import dev.onnxpress.bind.Binder;
import dev.onnxpress.dsl.DataDecl;
import dev.onnxpress.ort.LatencyMode;
import dev.onnxpress.pipeline.ModelEvaluation;
import dev.onnxpress.pipeline.RunSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/** The data and measurement options {@code eval} and {@code compare} share (a picocli mixin). */
final class EvaluationOptions {
    @Option(names = "--data", paramLabel = "DATA",
            description = "Samples to run: an IDX or .npy file, an ONNX test_data folder, or a SPEC as run's --data"
                    + " takes (idx:images.gz,scale=1/255 or random:8). Without it, seeded random inputs.")
    String data;

    @Option(names = "--labels", paramLabel = "FILE", description = "Labels of --data (IDX or .npy): accuracy.")
    String labels;

    @Option(names = "--scale", paramLabel = "X", converter = RecipeNumber.class,
            description = "Multiply --data values by this, written as in a recipe: 1/255.")
    Double scale;

    @Option(names = "--count", paramLabel = "N", description = "Use at most N samples of --data"
            + " (random inputs: N samples, default 8).")
    Integer count;

    @Option(names = "--dims", paramLabel = "NAME=N", split = ",",
            description = "Sizes of symbolic input dimensions for random inputs, as in --dims height=48,width=192.")
    Map<String, Long> dims = new LinkedHashMap<>();

    @Option(names = "--seed", paramLabel = "N", defaultValue = "0",
            description = "Seed of random inputs (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--batch", paramLabel = "N", defaultValue = "256",
            description = "Samples per ONNX Runtime run (default ${DEFAULT-VALUE}).")
    int batch;

    RunSettings settings(CommandSpec spec, String latency) {
        if (batch < 1) {
            throw new ParameterException(spec.commandLine(), "--batch must be at least 1");
        }
        if (count != null && count < 1) {
            throw new ParameterException(spec.commandLine(), "--count must be at least 1");
        }
        for (Map.Entry<String, Long> d : dims.entrySet()) {
            if (d.getValue() < 1) {
                throw new ParameterException(spec.commandLine(), "--dims " + d.getKey() + "=" + d.getValue()
                        + ": a dimension size must be at least 1");
            }
        }
        LatencyMode mode;
        try {
            mode = LatencyMode.parse(latency);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "--latency: " + e.getMessage());
        }
        RunSettings.Builder s = RunSettings.defaults().toBuilder().seed(seed).probeDims(dims).latencyMode(mode)
                .showProgress(false).batchSize(batch);
        if (data == null && count != null) {
            s.probeSamples(count);
        }
        return s.build();
    }

    /** The evaluation data: --data, or random probes shaped and valued for {@code model}'s inputs. */
    ModelEvaluation evaluation(CommandSpec spec, String latency, Path model) {
        RunSettings settings = settings(spec, latency);
        if (data == null) {
            if (labels != null || scale != null) {
                throw new ParameterException(spec.commandLine(), "--labels and --scale go with --data");
            }
            return ModelEvaluation.onProbes(settings, model);
        }
        try {
            DataDecl d = DataSpec.parse("samples=" + spec(), Optional.ofNullable(labels));
            return ModelEvaluation.on(Binder.bindData(d, Path.of("").toAbsolutePath()), settings);
        } catch (dev.onnxpress.bind.BindException e) {
            throw new dev.onnxpress.error.UserException("--data " + data + ": " + e.reason(), e);
        } catch (dev.onnxpress.error.UserException e) {
            throw new dev.onnxpress.error.UserException(e.getMessage().replace("--data samples=", "--data "), e);
        }
    }

    /** A path becomes the SPEC of its kind; --scale and --count are added to it. */
    private String spec() {
        Path p = Path.of(data);
        String base;
        boolean path = !data.contains("(") && Files.exists(p);
        if (path) {
            String lower = data.toLowerCase(Locale.ROOT);
            String kind = Files.isDirectory(p) ? "onnx_test_data" : lower.endsWith(".npy") ? "npy" : "idx";
            base = kind + ":" + data;
        } else if (data.contains(":") || data.contains("(")) {
            base = data;
        } else {
            throw new dev.onnxpress.error.UserException("--data " + data + ": no such file or folder");
        }
        StringBuilder extra = new StringBuilder();
        if (scale != null) {
            extra.append("scale=").append(scale);
        }
        if (count != null) {
            extra.append(extra.length() == 0 ? "" : ",").append("count=").append(count);
        }
        if (extra.length() == 0) {
            return base;
        }
        if (base.endsWith(")")) {
            String inner = base.substring(0, base.length() - 1).strip();
            return inner + (inner.endsWith("(") ? "" : ", ") + extra.toString().replace(",", ", ") + ")";
        }
        return base + "," + extra;
    }
}
