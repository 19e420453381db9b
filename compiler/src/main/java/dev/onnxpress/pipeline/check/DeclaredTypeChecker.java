package dev.onnxpress.pipeline.check;

import dev.onnxpress.ir.DataType;
import dev.onnxpress.ir.Graph;
import dev.onnxpress.ir.Model;
import dev.onnxpress.ir.Rewriter;
import dev.onnxpress.ir.Value;
import dev.onnxpress.passes.core.ElementTypes;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Value_info that contradicts its producer. Models that went through shape inference declare a type for
 * every intermediate value; a pass that changes what a node produces (float32 → float16, a Dropout mask that
 * becomes bool after an opset conversion) leaves the old declaration behind, and ONNX Runtime then refuses
 * the model ("Type (tensor(float16)) of output arg … expected tensor(float)").
 *
 * <p>The element type each standard op produces follows from its inputs ({@link ElementTypes#fromProducers});
 * a declaration of an intermediate value that says otherwise is stale. Value_info is only a hint (ONNX Runtime
 * infers what is not declared), so the pipeline drops stale declarations after every step instead of failing;
 * graph inputs and outputs are the model's interface and are never touched here.
 */
public final class DeclaredTypeChecker {
    private DeclaredTypeChecker() {
    }

    /** One stale declaration: the value, what it declares, what its producer makes. */
    public record Stale(Value value, DataType declared, DataType produced) {
        public String describe() {
            return "'" + value.name() + "' declared " + declared.displayName() + ", produced as "
                    + produced.displayName();
        }
    }

    /** Every intermediate value whose declared element type contradicts its producer, in all graphs. */
    public static List<Stale> stale(Model model) {
        ElementTypes produced = ElementTypes.fromProducers(model.graph(), model.defaultOpset());
        List<Stale> out = new ArrayList<>();
        for (Graph g : model.graph().allGraphs()) {
            for (Value v : g.valueInfo()) {
                if (v.isGraphInput() || v.isGraphOutput() || v.isInitializer() || v.producer().isEmpty()) {
                    continue;
                }
                Optional<DataType> declared = ElementTypes.declaredElementType(v);
                Optional<DataType> made = produced.of(v);
                if (declared.isPresent() && made.isPresent() && declared.get() != made.get()) {
                    out.add(new Stale(v, declared.get(), made.get()));
                }
            }
        }
        return out;
    }

    /** Drops every stale declaration (ONNX Runtime infers those values itself); returns what was dropped. */
    public static List<Stale> dropStale(Model model) {
        List<Stale> stale = stale(model);
        if (!stale.isEmpty()) {
            Rewriter rw = new Rewriter(model);
            for (Stale s : stale) {
                rw.clearType(s.value());
            }
        }
        return stale;
    }
}
