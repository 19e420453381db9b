package dev.onnxpress.exec;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * An engine that runs ONNX models: ONNX Runtime (the reference every step is verified in) or a deployment
 * target a recipe also verifies on ({@code verify … on opencv}). A new runtime is one class implementing
 * this interface plus one line in {@link #NAMES}.
 */
public interface InferenceRuntime {

    /** The runtimes by the name recipes, the CLI and {@code make_compatible(runtime=…)} use. */
    Map<String, Supplier<InferenceRuntime>> NAMES = Map.of(
            OrtInference.NAME, OrtInference::new,
            OpenCvInference.NAME, OpenCvInference::new,
            OrtMobileInference.NAME, OrtMobileInference::new);

    /** Stable name: "ort", "opencv", "ort_mobile". */
    String name();

    /** "OpenCV DNN 4.9.0": name and version, for reports. */
    String description();

    /**
     * A session over serialized model bytes, ready to run. Throws {@link RuntimeRejection} when the
     * runtime cannot load the model (its own message, first line).
     */
    ModelSession open(byte[] model);

    /** The runtime named {@code name} ("-" and "_" are the same), or empty. */
    static Optional<InferenceRuntime> named(String name) {
        Supplier<InferenceRuntime> s = NAMES.get(name.toLowerCase(Locale.ROOT).replace('-', '_'));
        return Optional.ofNullable(s).map(Supplier::get);
    }

    /** The known names, sorted: for messages. */
    static List<String> names() {
        return NAMES.keySet().stream().sorted().collect(Collectors.toList());
    }
}
