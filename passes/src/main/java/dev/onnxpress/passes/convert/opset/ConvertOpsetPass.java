/*
 * convert_opset(target): rewrites the default domain from the model's opset to `target`, up or down,
 * between 7 and 26 (the newest ONNX Runtime 1.29 loads).
 *
 *   opset 9  → 13:  Clip(x){min=0,max=6}        ⇒ Clip(x, 0, 6)
 *                   Squeeze(x){axes=[2]}         ⇒ Squeeze(x, [2])
 *                   Softmax(x){axis=1} (2-D coercion) ⇒ Reshape(Softmax(Flatten(x, 1), -1), Shape(x))
 *   opset 13 → 9:   the same in reverse (inputs must be constants), else a PassException naming the node.
 *
 * Signature changes handled (opset where they changed): Clip 11 (min/max attrs → inputs), Pad 11
 * (pads/value → inputs; 18 axes), Slice 10, TopK 10 (k → input) and 11 (largest/sorted), Dropout 12
 * (ratio → input, training_mode), BatchNormalization 9 (spatial) and 14 (training_mode), Softmax /
 * LogSoftmax / Hardmax 13 (2-D coercion vs one axis: Flatten+Reshape going up; Transpose pair going
 * down when the rank is known), Squeeze / Unsqueeze / ReduceSum 13 and other Reduce* 18 (axes → input),
 * Split 13 (split → input) and 18 (num_outputs), Upsample 9 (scales → input) and its removal at 10
 * (→ Resize with asymmetric coordinates, floor), Resize 11 (roi, coordinate modes) and 13 (optional
 * inputs), Scatter → ScatterElements (11), Gemm 11 (optional C), Constant 12 (value_* forms), and
 * attributes added later (MaxPool ceil_mode/dilations, Cast saturate, reduction modes, …) which are
 * dropped going down when they hold their default. Ops newer than the target fail, except those with an
 * exact older form (GreaterOrEqual → Not(Less), Gelu/HardSwish/Mish → elementwise chains). The IR
 * version follows the opset (raised when going up, lowered to the opset's own when going down; IR < 4
 * lists initializers as graph inputs). Subgraphs are converted too. Exact up to float round-off.
 *
 * Also: negative axes become axis + rank below 11; Pad mode=wrap becomes Gathers below 19; scatter
 * reductions become Gather-reduce-Scatter for unique constant indices; the experimental ops of opsets 1–9
 * and their legacy forms (Tile, LpPool p, recurrent output_sequence) are rewritten; RoiAlign 16, GridSample
 * 20, DFT 20, GroupNormalization 21 convert both ways; element and input types newer than the target, and
 * schemas ONNX Runtime 1.29 has no kernel for, are refused or rewritten. The full table, one row per
 * changelog entry and how it is handled, is docs/opset-conversion.md. Every refusal is one line naming
 * the node, and leaves the model untouched.
 */
package dev.onnxpress.passes.convert.opset;

import dev.onnxpress.ir.Graph;
import dev.onnxpress.ir.Model;
import dev.onnxpress.ir.Node;
import dev.onnxpress.ir.Rewriter;
import dev.onnxpress.ir.Value;
import dev.onnxpress.passes.Pass;
import dev.onnxpress.passes.PassContext;
import dev.onnxpress.passes.PassException;
import dev.onnxpress.passes.PassInfo;
import dev.onnxpress.passes.PassResult;
import dev.onnxpress.passes.PassSpec;
import dev.onnxpress.passes.Statistic;

/** Converts the default-domain opset up or down. */
@PassSpec(id = ConvertOpsetPass.ID,
        summary = "Convert the default-domain opset up or down (to 7.." + OpsetVersions.NEWEST
                + ", from any opset), rewriting changed ops",
        traits = {PassInfo.Trait.PRESERVES_SEMANTICS, PassInfo.Trait.IDEMPOTENT},
        statistics = {
                @Statistic(name = "nodes_rewritten", doc = "nodes rewritten for the target opset")})
public final class ConvertOpsetPass implements Pass<ConvertOpsetOptions> {
    public static final String ID = "convert_opset";
    /** The newest default-domain opset ONNX Runtime 1.29 loads. */
    public static final int NEWEST = OpsetVersions.NEWEST;

    @Override
    public PassResult run(Model model, ConvertOpsetOptions options, PassContext ctx) {
        long to = options.target();
        long from = model.defaultOpset();
        if (to < OpsetVersions.OLDEST || to > OpsetVersions.NEWEST) {
            throw new PassException(ID, "target opset " + to + " is outside " + OpsetVersions.OLDEST + ".."
                    + OpsetVersions.NEWEST + " (the newest ONNX Runtime 1.29 loads)");
        }
        if (from < OpsetVersions.OLDEST_SOURCE) {
            throw new PassException(ID, "the model declares default-domain opset " + from
                    + ", which does not exist (opsets start at 1)");
        }
        PassResult.Builder result = PassResult.builder();
        if (from == to) {
            return result.add("nodes_rewritten", 0).build(false);
        }
        if (model.functionCount() > 0) {
            throw new PassException(ID, "the model has " + model.functionCount() + " local function(s), whose bodies"
                    + " declare their own opsets and are not converted; cannot convert from opset " + from + " to " + to);
        }
        // a failed conversion must leave the model untouched: convert a copy first (tensors are shared,
        // so this is cheap), then the model itself, which then cannot fail
        convertAll(model.copy(), from, to, PassResult.builder());
        OpsetConverter conv = convertAll(model, from, to, result);
        Rewriter rw = conv.rewriter();
        rw.setOpset("", to);
        if (model.opsets().containsKey("ai.onnx")) {
            rw.setOpset("ai.onnx", to);
        }
        long ir = OpsetVersions.irVersionFor(to);
        if (to > from ? model.irVersion() < ir : model.irVersion() > ir) {
            rw.setIrVersion(ir);
        }
        if (model.irVersion() < 4) {
            for (Value v : model.graph().initializers().keySet()) {
                rw.listInitializerAsInput(v);
            }
        }
        result.note("opset " + from + " → " + to + ", IR version " + model.irVersion());
        return result.add("nodes_rewritten", conv.rewritten()).build(true);
    }

    private static OpsetConverter convertAll(Model m, long from, long to, PassResult.Builder result) {
        OpsetConverter conv = new OpsetConverter(m, from, to, result);
        for (Graph g : m.graph().allGraphs()) {
            for (Node n : g.nodes()) {
                if (n.isStandard()) {
                    try {
                        conv.convert(n);
                    } catch (IllegalStateException | IllegalArgumentException | IndexOutOfBoundsException
                            | ArithmeticException | java.util.NoSuchElementException | NegativeArraySizeException e) {
                        // what a malformed node (one ONNX Runtime would reject too) makes the rewrite throw
                        throw new PassException(ID, "node '" + n.label() + "' (" + n.opType() + ") is malformed ("
                                + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage())
                                + "); cannot convert from opset " + from + " to " + to);
                    }
                }
            }
        }
        return conv;
    }
}
