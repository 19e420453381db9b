package dev.onnxpress.passes.quant;

import dev.onnxpress.passes.core.WeightedLayer;
import dev.onnxpress.ir.DataType;
import dev.onnxpress.ir.Model;
import dev.onnxpress.ir.Node;
import dev.onnxpress.ir.Rewriter;
import dev.onnxpress.ir.Tensor;
import dev.onnxpress.passes.DataRef;
import dev.onnxpress.passes.NodeSelector;
import dev.onnxpress.passes.PassContext;
import dev.onnxpress.passes.PassException;
import dev.onnxpress.passes.PassResult;
import dev.onnxpress.passes.core.ConstantEditor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The body of {@code quantize_ternary} and {@code quantize_binary}: picks the layers, turns each one's
 * weight into int8 levels and a scale α per output channel (see {@link LowBitScheme}), optionally refits
 * α on calibration data ({@link ScaleRefit}), and stores {@code DequantizeLinear(levels, α, 0)} in place
 * of the float weight (per-axis DequantizeLinear: opset 13, raised when that is safe).
 */
public final class LowBitWeights {
    /** What the recipe asked for. */
    public record Settings(String passId, LowBitScheme scheme, NodeSelector layers, boolean perChannel,
                           boolean refitScale, Optional<DataRef> calibration, boolean keepFirstLast) {
    }

    private LowBitWeights() {
    }

    public static PassResult run(Model model, Settings s, PassContext ctx) {
        PassResult.Builder out = PassResult.builder();
        if (s.refitScale() && s.calibration().isEmpty()) {
            throw new PassException(s.passId(), "refit_scale=true needs calibration=<data set>");
        }
        List<WeightedLayer> chosen = chooseLayers(model, s, out);
        out.stat("layers_quantized", 0).stat("weights_quantized", 0).stat("bytes_saved", 0);
        if (chosen.isEmpty()) {
            return out.build(false);
        }
        long needed = s.perChannel() ? 13 : 10;
        if (model.defaultOpset() < needed) {
            Optional<String> blocker = OpsetRaise.blocker(model, 13);
            if (blocker.isPresent()) {
                chosen.forEach(l -> out.skip(l.node().label(), blocker.get()));
                return out.build(false);
            }
        }
        List<byte[]> levels = new ArrayList<>();
        List<double[]> alphas = new ArrayList<>();
        for (WeightedLayer l : chosen) {
            byte[] q = new byte[(int) l.tensor().elementCount()];
            alphas.add(quantize(l, s.scheme(), s.perChannel(), q));
            levels.add(q);
        }
        if (s.refitScale()) {
            refitScales(model, s, ctx, chosen, levels, alphas);
        }
        Rewriter rw = new Rewriter(model);
        OpsetRaise.raise(model, rw, 13).ifPresent(out::note);
        long[] weightsSaved = replaceWeights(rw, out, chosen, levels, alphas);
        long weights = weightsSaved[0];
        long saved = weightsSaved[1];
        out.stat("layers_quantized", chosen.size()).stat("weights_quantized", weights).stat("bytes_saved", saved);
        return out.build(rw.changes() > 0);
    }

    /** The main-graph layers to quantize; the others {@code layers} selects are skipped with the reason. */
    private static List<WeightedLayer> chooseLayers(Model model, Settings s, PassResult.Builder out) {
        for (Node n : model.graph().allNodes()) {
            if (n.graph() != model.graph() && WeightedLayer.of(n).isPresent()) {
                out.skip(n.label(), "inside a subgraph: only main-graph layers are quantized");
            }
        }
        for (Node n : model.graph().nodes()) {
            if (s.layers().matches(n)) {
                WeightedLayer.whyNot(n).ifPresent(why -> out.skip(n.label(), why));
            }
        }
        List<WeightedLayer> all = WeightedLayer.find(model.graph());
        List<WeightedLayer> chosen = new ArrayList<>();
        for (int i = 0; i < all.size(); i++) {
            WeightedLayer l = all.get(i);
            if (!s.layers().matches(l.node())) {
                continue;
            }
            if (s.keepFirstLast() && i == 0) {
                out.skip(l.node().label(), "first weighted layer kept in float (keep_first_last=true)");
            } else if (s.keepFirstLast() && i == all.size() - 1) {
                out.skip(l.node().label(), "last weighted layer kept in float (keep_first_last=true)");
            } else if (l.tensor().dataType() != DataType.FLOAT) {
                out.skip(l.node().label(), "weight is " + l.tensor().dataType().displayName()
                        + "; DequantizeLinear restores float32 only");
            } else {
                chosen.add(l);
            }
        }
        return chosen;
    }

    /** refit_scale: each channel's α fitted to the layer's outputs on the calibration data. */
    private static void refitScales(Model model, Settings s, PassContext ctx, List<WeightedLayer> chosen,
            List<byte[]> levels, List<double[]> alphas) {
        List<ScaleRefit.Job> jobs = new ArrayList<>();
        for (int i = 0; i < chosen.size(); i++) {
            jobs.add(new ScaleRefit.Job(chosen.get(i), levels.get(i), s.perChannel()));
        }
        List<double[]> refit = ScaleRefit.fit(model, jobs, ctx.samples(s.calibration().get()));
        for (int i = 0; i < chosen.size(); i++) {
            double[] a = alphas.get(i);
            double[] r = refit.get(i);
            for (int c = 0; c < a.length; c++) {
                // a negative or undefined fit (channel silent on the data) keeps the weight-only α
                if (Double.isFinite(r[c]) && r[c] > 0) {
                    a[c] = r[c];
                }
            }
        }
    }

    /**
     * Replaces each chosen weight by its int8 levels and a DequantizeLinear; adds the per-layer table to
     * {@code out}. Returns {weights quantized, bytes saved}.
     */
    private static long[] replaceWeights(Rewriter rw, PassResult.Builder out, List<WeightedLayer> chosen,
            List<byte[]> levels, List<double[]> alphas) {
        DequantizedConstant dq = new DequantizedConstant(new ConstantEditor(rw));
        long weights = 0;
        long saved = 0;
        List<Map<String, Object>> table = new ArrayList<>();
        for (int i = 0; i < chosen.size(); i++) {
            WeightedLayer l = chosen.get(i);
            double[] a = alphas.get(i);
            float[] scale = new float[a.length];
            double mean = 0;
            for (int c = 0; c < a.length; c++) {
                scale[c] = (float) a[c];
                mean += a[c] / a.length;
            }
            byte[] q = levels.get(i);
            long zeros = 0;
            for (byte b : q) {
                zeros += b == 0 ? 1 : 0;
            }
            Tensor qt = Tensor.ofBytes(DataType.INT8, l.tensor().dims(), q);
            String hint = l.weight().name().isEmpty() ? l.node().name() + "_weight" : l.weight().name();
            dq.replace(l.node(), l.weightInput(), qt, scale, l.axis(), hint);
            weights += q.length;
            saved += l.tensor().byteSize() - q.length - 8L * scale.length;
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("layer", l.node().label());
            row.put("channels", a.length);
            row.put("mean_alpha", mean);
            row.put("zero_fraction", (double) zeros / q.length);
            table.add(row);
        }
        out.detail("layers", table);
        return new long[] {weights, saved};
    }

    /** Levels into {@code q} (same layout as the weight); returns α per channel (or one α). */
    static double[] quantize(WeightedLayer l, LowBitScheme scheme, boolean perChannel, byte[] q) {
        float[] w = l.tensor().toFloatArray();
        AxisChannels lay = perChannel ? AxisChannels.of(l.tensor().dims(), l.axis()) : AxisChannels.whole();
        int channels = lay.channels();
        int[] count = new int[channels];
        for (int i = 0; i < w.length; i++) {
            count[lay.channelOf(i)]++;
        }
        float[][] split = new float[channels][];
        for (int c = 0; c < channels; c++) {
            split[c] = new float[count[c]];
        }
        int[] fill = new int[channels];
        for (int i = 0; i < w.length; i++) {
            int c = lay.channelOf(i);
            split[c][fill[c]++] = w[i];
        }
        double[] alpha = new double[channels];
        byte[][] qs = new byte[channels][];
        for (int c = 0; c < channels; c++) {
            qs[c] = new byte[count[c]];
            alpha[c] = scheme.quantize(split[c], qs[c]);
        }
        java.util.Arrays.fill(fill, 0);
        for (int i = 0; i < w.length; i++) {
            int c = lay.channelOf(i);
            q[i] = qs[c][fill[c]++];
        }
        return alpha;
    }
}
