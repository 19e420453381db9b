package dev.onnxpress.exec;

import dev.onnxpress.error.UserException;
import dev.onnxpress.ir.Tensor;
import dev.onnxpress.ort.IoInfo;
import dev.onnxpress.ort.OrtEnvironments;
import dev.onnxpress.ort.OrtRunner;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/** ONNX Runtime through {@link OrtRunner}: the reference runtime. */
public final class OrtInference implements InferenceRuntime {
    public static final String NAME = "ort";
    private final OrtRunner.Options options;

    public OrtInference() {
        this(OrtRunner.Options.defaults());
    }

    public OrtInference(OrtRunner.Options options) {
        this.options = Objects.requireNonNull(options);
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "ONNX Runtime " + OrtEnvironments.get().getVersion();
    }

    @Override
    public ModelSession open(byte[] model) {
        try {
            return new Session(NAME, OrtRunner.open(model, options));
        } catch (UserException e) {
            throw new RuntimeRejection("ONNX Runtime", "load", RuntimeRejection.firstLine(e.getMessage()));
        }
    }

    /** An {@link OrtRunner} as a {@link ModelSession}; it closes the runner. */
    public static ModelSession session(OrtRunner runner) {
        return new Session(NAME, runner);
    }

    record Session(String runtime, OrtRunner runner) implements ModelSession {
        @Override
        public List<IoInfo> inputs() {
            return runner.inputs();
        }

        @Override
        public List<IoInfo> outputs() {
            return runner.outputs();
        }

        @Override
        public Map<String, Tensor> run(Map<String, Tensor> feeds) {
            return runner.run(feeds);
        }

        @Override
        public void close() {
            runner.close();
        }
    }
}
