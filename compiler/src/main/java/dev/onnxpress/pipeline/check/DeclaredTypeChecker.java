package dev.onnxpress.pipeline.check;

import dev.onnxpress.analysis.StaticShapes;
import dev.onnxpress.ir.DataType;
import dev.onnxpress.ir.Graph;
import dev.onnxpress.ir.Model;
import dev.onnxpress.ir.Rewriter;
import dev.onnxpress.ir.Value;
import dev.onnxpress.ort.IoInfo;
import dev.onnxpress.passes.core.ElementTypes;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Value_info that contradicts its producer, in element type or shape. Models that went through shape inference declare a type for
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
    public record Stale(Value value, String declared, String produced) {
        public String describe() {
            return "'" + value.name() + "' declared " + declared + ", produced as " + produced;
        }
    }

    /** Every intermediate value whose declared element type contradicts its producer, in all graphs. */
    public static List<Stale> stale(Model model) {
        ElementTypes produced = ElementTypes.fromProducers(model.graph(), model.defaultOpset());
        List<Stale> out = new ArrayList<>();
        for (Graph g : model.graph().allGraphs()) {
            StaticShapes shapes = StaticShapes.inferFromProducers(g, model.defaultOpset());
            for (Value v : g.valueInfo()) {
                if (v.isGraphInput() || v.isGraphOutput() || v.isInitializer() || v.producer().isEmpty()) {
                    continue;
                }
                Optional<DataType> declared = ElementTypes.declaredElementType(v);
                Optional<DataType> made = produced.of(v);
                Optional<long[]> shape = shapes.contradiction(v);
                if (declared.isPresent() && made.isPresent() && declared.get() != made.get()) {
                    out.add(new Stale(v, declared.get().displayName(), made.get().displayName()));
                } else if (shape.isPresent()) {
                    out.add(new Stale(v, "shape " + v.tensorType().flatMap(t -> t.knownDims())
                            .map(IoInfo::dimsText).orElse("?"), "shape " + IoInfo.dimsText(shape.get())));
                }
            }
        }
        return out;
    }

    /** Rounds of dropping: a stale shape upstream can hide one further down until it is gone. */
    private static final int ROUNDS = 4;

    /** Drops every stale declaration (ONNX Runtime infers those values itself); returns what was dropped. */
    public static List<Stale> dropStale(Model model) {
        List<Stale> dropped = new ArrayList<>();
        Rewriter rw = new Rewriter(model);
        for (int round = 0; round < ROUNDS; round++) {
            List<Stale> stale = stale(model);
            if (stale.isEmpty()) {
                break;
            }
            for (Stale s : stale) {
                rw.clearType(s.value());
            }
            dropped.addAll(stale);
        }
        return dropped;
    }
}
