package dev.onnxpress.exec;

import dev.onnxpress.error.UserException;
import dev.onnxpress.ort.OptimizationLevel;
import dev.onnxpress.ort.OrtEnvironments;
import dev.onnxpress.ort.OrtRunner;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What an ONNX Runtime mobile / minimal build runs: such builds load only the {@code .ort} format, so the
 * model is converted the way {@code save_ort_format} converts it (basic optimizations, saved as ORT
 * format) and the {@code .ort} file, not the ONNX model, is loaded and run. A model that does not survive
 * the conversion (ops or types the ORT format cannot serialize, external data it cannot resolve) is
 * rejected here. What it does not check: the operator subset a particular reduced build was compiled
 * with, which is the build's own configuration file, not a property of the model format.
 */
public final class OrtMobileInference implements InferenceRuntime {
    public static final String NAME = "ort_mobile";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "ONNX Runtime " + OrtEnvironments.get().getVersion() + " (.ort format)";
    }

    @Override
    public ModelSession open(byte[] model) {
        Path dir;
        try {
            dir = Files.createTempDirectory("onnxpress-ort-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Path ort = dir.resolve("model.ort");
        try {
            OrtRunner.Options save = OrtRunner.Options.defaults().withOptimization(OptimizationLevel.BASIC)
                    .withOptimizedModelPath(ort).withOrtFormat(true);
            try (OrtRunner r = OrtRunner.open(model, save)) {
                r.inputs();
            } catch (UserException e) {
                throw new RuntimeRejection("ONNX Runtime (ORT format)", "convert",
                        RuntimeRejection.firstLine(e.getMessage()));
            }
            try {
                return new OrtInference.Session(NAME, OrtRunner.open(ort));
            } catch (UserException e) {
                throw new RuntimeRejection("ONNX Runtime (ORT format)", "load",
                        RuntimeRejection.firstLine(e.getMessage()));
            }
        } finally {
            try {
                Files.deleteIfExists(ort);
                Files.deleteIfExists(dir);
            } catch (IOException ignored) {
                // a leftover temporary file is harmless
            }
        }
    }
}
