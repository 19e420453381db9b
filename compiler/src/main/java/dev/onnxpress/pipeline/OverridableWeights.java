package dev.onnxpress.pipeline;

import dev.onnxpress.ir.Model;
import dev.onnxpress.ir.Rewriter;
import dev.onnxpress.ir.Value;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Initializers that are also listed as graph inputs. ONNX Runtime treats them as default values a caller may
 * override, and runs the model with the initializer when nobody feeds it; exporters list them by habit
 * (IR version 3 required it). Weight passes cannot change a tensor a caller might replace, so by default a
 * run treats them as plain weights: they stop being graph inputs before the first step (the model computes
 * the same outputs for every caller who does not feed them), and the report says so. {@code run
 * --keep-overridable-weights} keeps them overridable, and weight passes then leave them alone.
 */
final class OverridableWeights {
    private OverridableWeights() {
    }

    /**
     * Unlists the main graph's overridable initializers in {@code model} (raising an IR version below 4,
     * which required the listing, to 4). Returns the report line, empty when there were none.
     */
    static Optional<String> unlist(Model model) {
        List<Value> listed = new ArrayList<>();
        for (Value v : model.graph().inputs()) {
            if (v.isInitializer()) {
                listed.add(v);
            }
        }
        if (listed.isEmpty()) {
            return Optional.empty();
        }
        Rewriter rw = new Rewriter(model);
        for (Value v : listed) {
            rw.unlistInitializerInput(v);
        }
        String raised = "";
        if (model.irVersion() < 4) {
            raised = "; IR version raised from " + model.irVersion() + " to 4, which lets initializers be weights";
            rw.setIrVersion(4);
        }
        return Optional.of(listed.size() + (listed.size() == 1 ? " initializer was" : " initializers were")
                + " also listed as graph inputs (overridable defaults, e.g. '" + listed.get(0).name() + "'): treated as"
                + " weights and no longer graph inputs of the output" + raised + " (--keep-overridable-weights keeps"
                + " them overridable, and weight passes then skip them)");
    }
}
