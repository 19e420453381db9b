package dev.onnxpress.passes.prune.magnitude;

import dev.onnxpress.passes.core.LayerGeometry;
import dev.onnxpress.ir.Node;
import dev.onnxpress.ir.Value;
import dev.onnxpress.passes.core.WeightedLayer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * How the next weighted layers read each output (row of {@link LayerGeometry}) of a layer, following the
 * layer's output through per-unit ops (activations, pooling, Flatten) to the Gemm/MatMul/Conv layers that
 * consume it.
 * <p>An output is unread when every consumer's weights on it are zero (say, a column of the next layer
 * pruned away): its row can go first, at no cost. Its weight g_o = Σ over consumers of the squared weights
 * reading it, scaled to mean 1, is the diagonal of the next layer's output-error Hessian for a linear next
 * layer, so an error on an output that is read strongly counts more (OBS-style weighting of output errors).
 * When the output is a graph output or reaches an op this does not follow, every output is read, with
 * weight 1 ({@code known} false).
 */
public record OutputReads(boolean[] read, double[] weight, boolean known) {
    private static final Set<String> PER_UNIT = Set.of("Relu", "LeakyRelu", "PRelu", "Sigmoid", "Tanh", "Identity",
            "Clip", "Elu", "Selu", "Softplus", "HardSigmoid", "HardSwish", "Gelu", "Dropout", "MaxPool",
            "AveragePool");

    public static OutputReads of(WeightedLayer l, LayerGeometry geo) {
        int n = geo.outputs();
        double[] g = new double[n];
        boolean ok = follow(l.node().output(), n, 1, g, 0);
        if (!ok) {
            return uniform(n);
        }
        boolean[] read = new boolean[n];
        double sum = 0;
        for (int o = 0; o < n; o++) {
            read[o] = g[o] > 0;
            sum += g[o];
        }
        if (sum == 0) {
            return new OutputReads(read, uniform(n).weight(), true);
        }
        for (int o = 0; o < n; o++) {
            g[o] *= n / sum;
        }
        return new OutputReads(read, g, true);
    }

    static OutputReads uniform(int n) {
        boolean[] read = new boolean[n];
        Arrays.fill(read, true);
        double[] w = new double[n];
        Arrays.fill(w, 1);
        return new OutputReads(read, w, false);
    }

    /**
     * Adds the squared consumer weights reading each unit to {@code g}; {@code spatial} features per unit
     * once a Flatten has turned channels into features. False when some reader is not understood.
     */
    private static boolean follow(Value v, int units, int spatial, double[] g, int depth) {
        if (v.isGraphOutput() || depth > 16) {
            return false;
        }
        List<Node> consumers = new ArrayList<>(v.consumers());
        if (consumers.isEmpty()) {
            return true; // nothing reads it at all
        }
        for (Node c : consumers) {
            if (c.input(0) != v || c.inputs().stream().skip(1).anyMatch(x -> x == v)) {
                return false;
            }
            if (PER_UNIT.contains(c.opType()) && spatial == 1) {
                if (!follow(c.output(0), units, spatial, g, depth + 1)) {
                    return false;
                }
                continue;
            }
            if (c.is("Flatten") && c.attrInt("axis", 1) == 1 && spatial == 1) {
                Optional<Integer> s = flattenedFeaturesPerUnit(c.output(), units);
                if (s.isEmpty() || !follow(c.output(), units, s.get(), g, depth + 1)) {
                    return false;
                }
                continue;
            }
            Optional<WeightedLayer> next = WeightedLayer.of(c);
            if (next.isEmpty()) {
                return false;
            }
            Optional<LayerGeometry> ng = LayerGeometry.of(next.get(), new StringBuilder());
            if (ng.isEmpty() || !add(next.get(), ng.get(), units, spatial, g)) {
                return false;
            }
        }
        return true;
    }

    /** Features per channel after a Flatten, from the matrix layer reading it (K / channels). */
    private static Optional<Integer> flattenedFeaturesPerUnit(Value flat, int units) {
        for (Node c : flat.consumers()) {
            Optional<WeightedLayer> l = WeightedLayer.of(c);
            Optional<LayerGeometry> geo = l.flatMap(x -> LayerGeometry.of(x, new StringBuilder()));
            if (geo.isPresent() && !geo.get().conv() && geo.get().features() % units == 0) {
                return Optional.of(geo.get().features() / units);
            }
        }
        return Optional.empty();
    }

    private static boolean add(WeightedLayer next, LayerGeometry ng, int units, int spatial, double[] g) {
        double[][] rows = ng.rows(next.tensor());
        if (!ng.conv()) {
            if (ng.features() != units * spatial) {
                return false;
            }
            for (double[] row : rows) {
                for (int f = 0; f < row.length; f++) {
                    g[f / spatial] += row[f] * row[f];
                }
            }
            return true;
        }
        int taps = ng.kh() * ng.kw();
        int perGroup = ng.features() / taps;
        if (spatial != 1 || perGroup * ng.groups() != units) {
            return false;
        }
        int opg = ng.outputsPerGroup();
        for (int o = 0; o < rows.length; o++) {
            int grp = o / opg;
            for (int f = 0; f < rows[o].length; f++) {
                g[grp * perGroup + f / taps] += rows[o][f] * rows[o][f];
            }
        }
        return true;
    }
}
