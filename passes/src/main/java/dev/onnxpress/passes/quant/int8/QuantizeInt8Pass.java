package dev.onnxpress.passes.quant.int8;

import dev.onnxpress.ir.Model;
import dev.onnxpress.ir.Node;
import dev.onnxpress.ir.Tensor;
import dev.onnxpress.ir.Value;
import dev.onnxpress.passes.Pass;
import dev.onnxpress.passes.PassContext;
import dev.onnxpress.passes.PassInfo;
import dev.onnxpress.passes.PassResult;
import dev.onnxpress.passes.PassSpec;
import dev.onnxpress.passes.Statistic;
import dev.onnxpress.passes.quant.ActivationRange;
import dev.onnxpress.passes.quant.ActivationRanges;
import dev.onnxpress.passes.quant.OpsetRaise;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * {@code quantize_int8}: static post-training int8 quantization in QDQ form.
 *
 * <pre>
 *   x → Conv(W, b) → Relu → MaxPool → y
 *   ⇒ x → Q → DQ → Conv(DQ(W int8, s_w[Cout]), DQ(b int32, s_x·s_w)) → Q → DQ → MaxPool → Q → DQ → y
 * </pre>
 * (the Relu folds into the Conv output's uint8 range, MaxPool keeps its input's scale). The layout is the
 * one ONNX Runtime's quantizer writes, so ORT's optimizer fuses it into integer kernels; see
 * {@link QdqWriter} for the formulas and {@link QdqPlan} for the ops handled. Activation ranges come from
 * the calibration data ({@link ActivationRanges}: minmax, percentile, entropy/KL over 2048 bins).
 * QuantizeLinear/DequantizeLinear exist from opset 10 and take per-axis scales from opset 13: an older
 * model is raised to 13 when every operator in it means the same there (noted), else nothing changes.
 * With {@code max_drop}, {@link PrecisionSearch} keeps the most sensitive nodes in float until the
 * drop on the calibration data holds; the details list them with their sensitivity.
 * Main graph only; graph outputs stay float.
 */
@PassSpec(id = QuantizeInt8Pass.ID,
        summary = "Static int8 QDQ quantization with calibrated activation ranges and per-channel int8 weights.",
        traits = {PassInfo.Trait.LOSSY, PassInfo.Trait.NEEDS_DATA, PassInfo.Trait.SHRINKS},
        statistics = {
                @Statistic(name = "nodes_quantized",
                        doc = "nodes quantized (their inputs and outputs go through QuantizeLinear/DequantizeLinear)"),
                @Statistic(name = "tensors_quantized", doc = "tensors given int8 quantize/dequantize pairs"),
                @Statistic(name = "activations_folded",
                        doc = "Relu/Clip nodes removed because the quantized range already clips there"),
                @Statistic(name = "layers_kept_float", doc = "layers left in float so that max_drop holds"),
                @Statistic(name = "bytes_saved", doc = "weight bytes saved (int8 instead of float)")})
public final class QuantizeInt8Pass implements Pass<QuantizeInt8Options> {
    public static final String ID = "quantize_int8";

    @Override
    public PassResult run(Model model, QuantizeInt8Options o, PassContext ctx) {
        PassResult.Builder out = PassResult.builder();
        for (String s : info().statistics()) {
            out.stat(s, 0);
        }
        QdqPlan plan = QdqPlan.of(model.graph(), o.layers()::matches);
        plan.skips().forEach(out::skip);
        for (Node n : model.graph().allNodes()) {
            if (n.graph() != model.graph() && (QdqPlan.WEIGHTED.contains(n.opType()))) {
                out.skip(n.label(), "inside a subgraph: only main-graph nodes are quantized");
            }
        }
        if (plan.units().isEmpty()) {
            if (!plan.skips().isEmpty()) {
                out.warning("quantized 0 of " + plan.skips().size() + " candidate layers (see the skip reasons)");
            }
            return out.build(false);
        }
        if (model.defaultOpset() < (o.per_channel() ? 13 : 10)) {
            Optional<String> blocker = OpsetRaise.blocker(model, 13);
            if (blocker.isPresent()) {
                plan.units().forEach(u -> out.skip(u.node().label(), blocker.get()));
                out.warning("quantized 0 of " + plan.units().size() + " candidate layers: " + blocker.get());
                return out.build(false);
            }
        }
        List<Map<String, Tensor>> samples = ctx.samples(o.calibration());
        Map<String, ActivationRange> ranges = calibrate(model, plan, o, ctx, samples);

        Set<Integer> chosen = new LinkedHashSet<>();
        plan.units().forEach(u -> chosen.add(u.index()));
        if (o.max_drop().isPresent()) {
            keepSensitiveInFloat(model, o, ctx, plan, samples, ranges, chosen, out);
        }
        long opsetBefore = model.defaultOpset();
        QdqWriter.Written w = QdqWriter.apply(model, o.layers()::matches, chosen, ranges, o.per_channel(),
                o.symmetric());
        if (model.defaultOpset() != opsetBefore) {
            out.note("opset raised from " + opsetBefore + " to " + model.defaultOpset());
        }
        out.stat("nodes_quantized", w.units());
        out.stat("tensors_quantized", w.tensors());
        out.stat("activations_folded", w.activationsFolded());
        out.stat("bytes_saved", w.weightBytesBefore() - w.weightBytesAfter());
        Map<String, Object> rangesDetail = new LinkedHashMap<>();
        ranges.forEach((k, v) -> rangesDetail.put(k, List.of(v.min(), v.max())));
        out.detail("activation_ranges", rangesDetail);
        return out.build(w.units() > 0);
    }

    /** Calibration: the range of every tensor to quantize (and of each foldable activation's output). */
    private static Map<String, ActivationRange> calibrate(Model model, QdqPlan plan, QuantizeInt8Options o,
            PassContext ctx, List<Map<String, Tensor>> samples) {
        Set<String> tapped = new LinkedHashSet<>();
        for (Value v : QdqPlan.tensors(plan.units())) {
            tapped.add(v.name());
        }
        for (QdqPlan.Unit u : plan.units()) {
            QdqPlan.foldableActivation(u).ifPresent(a -> tapped.add(a.out().name()));
        }
        ctx.progress().start("calibrating " + tapped.size() + " activations", samples.size());
        Map<String, ActivationRange> ranges = ActivationRanges.measure(model, List.copyOf(tapped), samples,
                o.method(), o.percentile());
        ctx.progress().finish();
        return ranges;
    }

    /**
     * max_drop: the mixed-precision search keeps the most sensitive units in float until the drop on the
     * calibration data is within budget; removes them from {@code chosen} and reports why.
     */
    private static void keepSensitiveInFloat(Model model, QuantizeInt8Options o, PassContext ctx, QdqPlan plan,
            List<Map<String, Tensor>> samples, Map<String, ActivationRange> ranges, Set<Integer> chosen,
            PassResult.Builder out) {
        Top1Metric metric = Top1Metric.of(model, samples, ctx.labels(o.calibration()));
        double floatScore = metric.score(model);
        Map<Integer, String> names = new LinkedHashMap<>();
        plan.units().forEach(u -> names.put(u.index(), u.node().label()));
        PrecisionSearch.Outcome r = PrecisionSearch.run(List.copyOf(chosen), names, floatScore,
                o.max_drop().get(), units -> {
                    Model copy = model.copy();
                    QdqWriter.apply(copy, o.layers()::matches, units, ranges, o.per_channel(), o.symmetric());
                    return copy;
                }, metric::score);
        chosen.retainAll(r.quantized());
        String what = metric.labelled() ? "accuracy" : "top-1 agreement with the float model";
        List<Map<String, Object>> kept = new ArrayList<>();
        for (PrecisionSearch.Kept k : r.keptFloat()) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("layer", k.layer());
            row.put("sensitivity", k.sensitivity());
            row.put("drop_before", k.dropBefore());
            kept.add(row);
            out.skip(k.layer(), String.format("kept in float: quantized alone it costs %.2f points of %s; the"
                    + " model's drop was %.2f points > max_drop %.2f", 100 * k.sensitivity(), what,
                    100 * k.dropBefore(), 100 * o.max_drop().get()));
        }
        out.detail("kept_float", kept);
        out.detail("sensitivity", r.sensitivity());
        out.detail("metric", what);
        out.detail("float_score", floatScore);
        out.detail("final_drop", r.finalDrop());
        out.note(String.format("mixed precision: %d of %d nodes kept in float, drop %.2f points of %s on the"
                + " calibration data (budget %.2f)", r.keptFloat().size(), names.size(), 100 * r.finalDrop(),
                what, 100 * o.max_drop().get()));
        out.stat("layers_kept_float", r.keptFloat().size());
    }
}
