package dev.onnxpress.passes.prune.channels;

import dev.onnxpress.ir.Graph;
import dev.onnxpress.ir.Node;
import dev.onnxpress.ir.Tensor;
import dev.onnxpress.ir.Value;
import dev.onnxpress.passes.prune.channels.PruneChannelsOptions.Criterion;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Importance of each channel of each space, higher = keep. Per criterion:
 * <ul>
 *   <li>{@code bn_gamma}: |γ| of the BatchNormalization(s) on the channels (network slimming), averaged
 *       when several normalize the same space; a space without one gets no score.</li>
 *   <li>{@code l1}, {@code l2}: mean |w| or root-mean-square of each producer's filter (the weights that
 *       compute the channel), so layers of different fan-in compare; summed over a group's producers
 *       after dividing each by its mean.</li>
 *   <li>{@code activation}: mean |x| of the channel where a Conv/Gemm/MatMul reads it, on calibration
 *       data.</li>
 * </ul>
 * {@code reconstruction} is computed by {@link ReconstructionScores}.
 */
final class ChannelScores {
    private ChannelScores() {
    }

    /** Raw scores by space representative; spaces the criterion cannot rank are absent. */
    static Map<ChannelSpace, double[]> compute(Criterion criterion, ChannelGraph cg, Graph g,
            Optional<Map<Value, double[]>> activations) {
        Map<ChannelSpace, double[]> sum = new IdentityHashMap<>();
        Map<ChannelSpace, double[]> count = new IdentityHashMap<>();
        switch (criterion) {
            case l1, l2 -> {
                for (ChannelSpace root : cg.roots()) {
                    for (Node p : root.producers) {
                        double[] norms = filterNorms(p, g, criterion == Criterion.l2);
                        add(sum, count, root, 0, normalized(norms), 0, norms.length);
                    }
                }
            }
            case bn_gamma -> {
                for (Node bn : cg.batchNorms) {
                    double[] gamma = abs(g.constantValue(bn.input(1)).orElseThrow().toDoubleArray());
                    spread(cg.layouts.get(bn.input(0)), gamma, sum, count);
                }
            }
            case activation -> {
                Map<Value, double[]> act = activations.orElseThrow();
                for (Map.Entry<Value, double[]> e : act.entrySet()) {
                    spread(cg.layouts.get(e.getKey()), e.getValue(), sum, count);
                }
            }
        }
        Map<ChannelSpace, double[]> out = new IdentityHashMap<>();
        for (Map.Entry<ChannelSpace, double[]> e : sum.entrySet()) {
            double[] s = e.getValue();
            double[] c = count.get(e.getKey());
            double[] v = new double[s.length];
            boolean complete = true;
            for (int i = 0; i < s.length; i++) {
                complete &= c[i] > 0;
                v[i] = c[i] > 0 ? s[i] / c[i] : 0;
            }
            if (complete) {
                out.put(e.getKey(), v);
            }
        }
        return out;
    }

    /** Per-channel values of a tensor laid out as {@code layout} (features folded back to channels). */
    private static void spread(ChannelSegments layout, double[] values, Map<ChannelSpace, double[]> sum,
            Map<ChannelSpace, double[]> count) {
        if (layout == null) {
            return;
        }
        double[] perChannel = values;
        if (layout.inner() > 1) {
            perChannel = new double[values.length / layout.inner()];
            for (int i = 0; i < values.length; i++) {
                perChannel[i / layout.inner()] += values[i] / layout.inner();
            }
        }
        int base = 0;
        for (ChannelSegments.Seg s : layout.segs()) {
            add(sum, count, s.space().find(), s.from(), perChannel, base, s.length());
            base += s.length();
        }
    }

    private static void add(Map<ChannelSpace, double[]> sum, Map<ChannelSpace, double[]> count, ChannelSpace root,
            int at, double[] v, int from, int n) {
        double[] s = sum.computeIfAbsent(root, r -> new double[r.size]);
        double[] c = count.computeIfAbsent(root, r -> new double[r.size]);
        for (int i = 0; i < n; i++) {
            s[at + i] += v[from + i];
            c[at + i] += 1;
        }
    }

    private static double[] abs(double[] v) {
        double[] out = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = Math.abs(v[i]);
        }
        return out;
    }

    static double[] normalized(double[] v) {
        double mean = 0;
        for (double x : v) {
            mean += x / v.length;
        }
        double[] out = v.clone();
        if (mean > 0) {
            for (int i = 0; i < out.length; i++) {
                out[i] /= mean;
            }
        }
        return out;
    }

    /** Mean |w| (or RMS) of the weights computing each output channel of a producer. */
    static double[] filterNorms(Node p, Graph g, boolean l2) {
        Tensor w = g.constantValue(p.input(1)).orElseThrow();
        WeightView v = WeightView.outputs(p, w);
        double[] x = w.toDoubleArray();
        double[] out = new double[v.count()];
        int[] per = new int[v.count()];
        for (int i = 0; i < x.length; i++) {
            int o = v.indexOf(i);
            out[o] += l2 ? x[i] * x[i] : Math.abs(x[i]);
            per[o]++;
        }
        for (int o = 0; o < out.length; o++) {
            out[o] = per[o] == 0 ? 0 : out[o] / per[o];
            if (l2) {
                out[o] = Math.sqrt(out[o]);
            }
        }
        return out;
    }

    /** Which axis of a weight tensor holds a producer's output channels. */
    record WeightView(long[] dims, int axis) {
        static WeightView outputs(Node p, Tensor w) {
            int axis = switch (p.opType()) {
                case "Conv" -> 0;
                case "ConvTranspose" -> 1;
                case "Gemm" -> p.attrInt("transB", 0) != 0 ? 0 : 1;
                default -> 1; // MatMul [K, N]
            };
            return new WeightView(w.dims(), axis);
        }

        int count() {
            return (int) dims[axis];
        }

        int indexOf(int flat) {
            long inner = 1;
            for (int i = axis + 1; i < dims.length; i++) {
                inner *= dims[i];
            }
            return (int) ((flat / inner) % dims[axis]);
        }
    }
}
