package dev.onnxpress.passes.quant;

import dev.onnxpress.passes.core.WeightedLayer;
import dev.onnxpress.ir.Attr;
import dev.onnxpress.ir.Graph;
import dev.onnxpress.ir.Model;
import dev.onnxpress.ir.Node;
import dev.onnxpress.ir.Rewriter;
import dev.onnxpress.ir.Tensor;
import dev.onnxpress.ir.Value;
import dev.onnxpress.passes.core.TapStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Chooses each channel's scale α of a low-bit layer by least squares on calibration activations:
 * with Y = W·x (the float layer, bias left out) and Yt = Q·x (the same layer with weights at their
 * levels, α = 1), α = ⟨Y, Yt⟩ / ⟨Yt, Yt⟩ over every sample and position of the channel minimises
 * ||Y − α·Yt||². Both products are computed by ONNX Runtime: a probe copy of the model gets, next to
 * every layer, two clones of it reading the layer's float input, and taps their outputs.
 */
public final class ScaleRefit {
    private ScaleRefit() {
    }

    /** One layer to refit: its levels (int8, the weight's shape) and whether α is per channel. */
    public record Job(WeightedLayer layer, byte[] levels, boolean perChannel) {
    }

    /**
     * The refitted α of each job (one per channel, or one), in job order; a channel whose levels are all
     * zero on the data keeps NaN so the caller falls back to the weight-only α.
     */
    public static List<double[]> fit(Model model, List<Job> jobs, List<Map<String, Tensor>> samples) {
        List<Node> original = model.graph().nodes();
        Model probe = model.copy();
        Rewriter rw = new Rewriter(probe);
        Graph pg = probe.graph();
        List<Node> copied = pg.nodes();
        // the copy lists its nodes in the original's order: position i there is node i here
        Map<Node, Integer> position = new java.util.IdentityHashMap<>();
        for (int i = 0; i < original.size(); i++) {
            position.put(original.get(i), i);
        }
        List<String[]> taps = new ArrayList<>();
        for (Job job : jobs) {
            Node n = copied.get(position.get(job.layer().node()));
            float[] levels = new float[job.levels().length];
            for (int i = 0; i < levels.length; i++) {
                levels[i] = job.levels()[i];
            }
            Value wq = rw.addInitializer(pg, n.name() + "_levels", Tensor.ofFloats(job.layer().tensor().dims(), levels));
            String yFloat = clone(rw, n, n.input(1)).name();
            String yLevels = clone(rw, n, wq).name();
            taps.add(new String[] {yFloat, yLevels});
        }
        List<String> names = new ArrayList<>();
        taps.forEach(t -> names.addAll(List.of(t)));
        List<double[]> num = new ArrayList<>();
        List<double[]> den = new ArrayList<>();
        for (Job job : jobs) {
            int c = job.perChannel() ? job.layer().channels() : 1;
            num.add(new double[c]);
            den.add(new double[c]);
        }
        try (TapStream stream = TapStream.open(probe, names)) {
            stream.forEach(samples, names, out -> {
                for (int j = 0; j < jobs.size(); j++) {
                    Tensor y = out.get(taps.get(j)[0]);
                    Tensor yt = out.get(taps.get(j)[1]);
                    int axis = jobs.get(j).layer().outputAxis() < 0 ? y.rank() - 1 : jobs.get(j).layer().outputAxis();
                    AxisChannels lay = jobs.get(j).perChannel() ? AxisChannels.of(y.dims(), axis) : AxisChannels.whole();
                    float[] a = y.toFloatArray();
                    float[] b = yt.toFloatArray();
                    double[] nu = num.get(j);
                    double[] de = den.get(j);
                    for (int i = 0; i < a.length; i++) {
                        int ch = lay.channelOf(i);
                        nu[ch] += (double) a[i] * b[i];
                        de[ch] += (double) b[i] * b[i];
                    }
                }
            });
        }
        List<double[]> alphas = new ArrayList<>();
        for (int j = 0; j < jobs.size(); j++) {
            double[] al = new double[num.get(j).length];
            for (int c = 0; c < al.length; c++) {
                al[c] = den.get(j)[c] > 0 ? num.get(j)[c] / den.get(j)[c] : Double.NaN;
            }
            alphas.add(al);
        }
        return alphas;
    }

    /** A copy of {@code n} reading {@code weight}, without bias (Gemm gets a zero C: required before opset 11). */
    private static Value clone(Rewriter rw, Node n, Value weight) {
        Graph g = n.graph();
        List<Value> ins = new ArrayList<>(List.of(n.input(0), weight));
        if (n.is("Gemm") && n.hasInput(2)) {
            ins.add(rw.addInitializer(g, n.name() + "_zero_bias", Tensor.ofFloats(new long[] {1}, 0f)));
        }
        Map<String, Attr> attrs = new LinkedHashMap<>(n.attrs());
        return rw.addNode(g, n.opType(), n.domain(), n.name() + "_probe", ins, 1, attrs).output();
    }
}
