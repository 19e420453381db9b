package dev.onnxpress.passes.core;

import dev.onnxpress.ir.Attr;
import dev.onnxpress.ir.Model;
import dev.onnxpress.ir.ModelWriter;
import dev.onnxpress.ir.Node;
import dev.onnxpress.ir.Tensor;
import dev.onnxpress.ir.Value;
import dev.onnxpress.ort.OrtRunner;
import dev.onnxpress.passes.PassContext;
import dev.onnxpress.passes.PassException;
import dev.onnxpress.passes.core.WeightedLayer;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;

/**
 * The model whose layer outputs a refit aims at. {@code previous}: the model as the pass found it (each
 * lossy step fits to the one before, so its error is frozen in for the next); {@code input}: the pipeline's
 * input model ({@link PassContext#reference()}), so every stage fits the original dense outputs and later
 * stages compensate the errors of earlier ones instead of inheriting them.
 * <p>A layer is found in the reference by the name of its output value, with the same op type and weight
 * shape; its input value must exist there too (it is tapped to get the dense features Xd).
 */
public final class FitReference {
    /** Where targets come from. */
    public enum Source { previous, input }

    private final Model model;
    private final byte[] bytes;

    private FitReference(Model model) {
        this.model = model;
        this.bytes = ModelWriter.toBytes(model);
    }

    /**
     * The reference of a pass run on {@code current} (call before the pass changes it).
     *
     * @throws PassException when {@code input} is asked and the context has no reference model
     */
    public static FitReference of(String passId, Source source, Model current, PassContext ctx) {
        if (source == Source.previous) {
            return new FitReference(current.copy());
        }
        Model ref = ctx.reference().orElseThrow(() -> new PassException(passId,
                "reference=input needs the pipeline's input model, which this run does not provide "
                        + "(run the pass from a recipe, or use reference=previous)"));
        return new FitReference(ref);
    }

    /** The reference model, serialized (for taps). */
    public byte[] bytes() {
        return bytes;
    }

    /**
     * The geometry of {@code l} and its target in this reference, when the layer can be fitted: it has a
     * row geometry with at most {@code maxFeatures} inputs per output, and the reference has the same layer;
     * empty, with the reason in {@code why}, otherwise.
     */
    public Optional<Fit> fit(WeightedLayer l, int maxFeatures, StringBuilder why) {
        Optional<LayerGeometry> geo = LayerGeometry.of(l, why);
        if (geo.isPresent() && geo.get().features() > maxFeatures) {
            why.append(geo.get().features() + " inputs per output > max_features=" + maxFeatures);
            return Optional.empty();
        }
        return geo.flatMap(g -> target(l, g, why).map(t -> new Fit(g, t)));
    }

    /** A fittable layer: its row geometry and what it should reproduce. */
    public record Fit(LayerGeometry geo, Target target) {
    }

    /**
     * What {@code l} of the model being compressed should reproduce: the reference layer's input value name,
     * weight rows and (when a constant float bias per output exists) bias; empty, with the reason in
     * {@code why}, when the reference has no such layer.
     */
    public Optional<Target> target(WeightedLayer l, LayerGeometry geo, StringBuilder why) {
        String out = l.node().output().name();
        Optional<Value> v = model.graph().findValue(out);
        Optional<Node> n = v.flatMap(Value::producer);
        if (n.isEmpty() || !n.get().opType().equals(l.node().opType())) {
            why.append("the reference model has no " + l.node().opType() + " producing '" + out + "'");
            return Optional.empty();
        }
        Optional<WeightedLayer> rl = WeightedLayer.of(n.get());
        if (rl.isEmpty() || !java.util.Arrays.equals(rl.get().tensor().dims(), l.tensor().dims())) {
            why.append("the reference model's weight of '" + out + "' is not a constant of the same shape");
            return Optional.empty();
        }
        return Optional.of(new Target(n.get().input(0).name(), geo.rows(rl.get().tensor()), bias(n.get(), geo)));
    }

    /**
     * The Gram moments of layer {@code l} of {@code current} against its target in this reference: the reference
     * layer's input Xd (tapped in the reference) and the current input Xq (tapped in {@code current}, or Xd
     * itself when the two models are the same).
     */
    public LayerGram gram(Model current, WeightedLayer l, LayerGeometry geo, Target t,
            List<Map<String, Tensor>> batches, int maxRows, Random random) {
        String input = l.node().input(0).name();
        byte[] now = ModelWriter.toBytes(current);
        byte[] denseTapped = OrtRunner.withTaps(bytes, List.of(t.input()));
        byte[] currentTapped = Arrays.equals(bytes, now) && t.input().equals(input) ? denseTapped
                : OrtRunner.withTaps(now, List.of(input));
        return LayerGram.collect(geo, t.input(), input, denseTapped, currentTapped, batches, maxRows, random)
                .symmetric();
    }

    /**
     * A layer's bias, one value per output, when it can absorb a shift of the outputs' mean: a constant
     * float input 2 of a Conv, or of a Gemm with alpha = beta = 1.
     */
    public static Optional<double[]> bias(Node n, LayerGeometry geo) {
        if (!(n.is("Conv") || n.is("Gemm")) || n.inputs().size() < 3 || n.input(2).isNone()) {
            return Optional.empty();
        }
        if (n.is("Gemm") && (n.attr("alpha").map(Attr::f).orElse(1f) != 1f
                || n.attr("beta").map(Attr::f).orElse(1f) != 1f)) {
            return Optional.empty();
        }
        Optional<Tensor> b = n.graph().constantValue(n.input(2));
        if (b.isEmpty() || !b.get().dataType().isFloatingPoint() || b.get().elementCount() != geo.outputs()) {
            return Optional.empty();
        }
        return Optional.of(b.get().toDoubleArray());
    }

    /**
     * A layer's targets in the reference.
     *
     * @param input the reference layer's input value (tapped for Xd)
     * @param rows  the reference weight rows [outputs][features]
     * @param bias  the reference bias, when the layer has a refittable one
     */
    public record Target(String input, double[][] rows, Optional<double[]> bias) {
    }
}
