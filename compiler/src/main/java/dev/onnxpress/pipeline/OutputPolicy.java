package dev.onnxpress.pipeline;

import dev.onnxpress.ir.Model;
import dev.onnxpress.ir.ModelWriter;

/** What a run may write: checked once the input model is read, and for every file the output model writes. */
public interface OutputPolicy {
    OutputPolicy NONE = new OutputPolicy() {
    };

    /** Called with the input model as soon as it is read, before any work; throws to refuse the run. */
    default void inputRead(Model input) {
    }

    /** Refuses output files (the model and its external data) that must not be written. */
    default ModelWriter.TargetGuard guard() {
        return ModelWriter.TargetGuard.NONE;
    }
}
