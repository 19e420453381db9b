package dev.onnxpress.bench;

import dev.onnxpress.analysis.Macs;
import dev.onnxpress.data.Batch;
import dev.onnxpress.ir.Model;
import dev.onnxpress.ir.ModelReader;
import dev.onnxpress.ir.ModelWriter;
import dev.onnxpress.ir.Tensor;
import dev.onnxpress.passes.DataRef;
import dev.onnxpress.passes.NodeSelector;
import dev.onnxpress.passes.prune.channels.PruneChannelsOptions;
import dev.onnxpress.passes.prune.channels.PruneChannelsOptions.Criterion;
import dev.onnxpress.passes.prune.channels.PruneChannelsOptions.RefitRidge;
import dev.onnxpress.passes.prune.channels.PruneChannelsOptions.Scope;
import dev.onnxpress.passes.prune.channels.PruneChannelsPass;
import dev.onnxpress.prune.FashionMnist;
import dev.onnxpress.testing.SharedFiles;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Chooses the per-layer allocation of {@link PruneChannelsBenchmark} on calibration data only: calib2k
 * is split into a fit half (the first 1000 images: channel choice and refit) and a score half (the other
 * 1000: top-1 accuracy). The test set is never read.
 *
 * <ol>
 *   <li>Sensitivity: each of the six convs alone cut to every multiple of 16 below its width (criterion
 *       reconstruction, refit_ridge held_out); the held-out accuracy drop per (layer, kept count).</li>
 *   <li>Candidates: every combination of kept counts (multiples of 16) whose MACs, from the unpruned
 *       per-node MACs scaled by the kept input and output fractions, are ≥ {@link #MIN_MACS_RATIO}× fewer;
 *       ranked by the sum of their layers' drops (an additive proxy).</li>
 *   <li>Check: the {@link #CHECKED} best by proxy pruned together and scored on the held-out half; the best
 *       held-out accuracy wins. For the winner, the criteria l1 vs reconstruction and the ridges fixed vs
 *       held_out are compared on the same split.</li>
 * </ol>
 * Not a test: run it by name; it prints its tables. {@code -Dprune.kept=32,16,48,64,48,112} runs only the
 * last comparison, at the given kept counts.
 */
class PruneChannelsCalibrationSearch {
    static final List<String> CONVS = List.of("/features/features.0/Conv", "/features/features.3/Conv",
            "/features/features.7/Conv", "/features/features.10/Conv", "/features/features.14/Conv",
            "/features/features.17/Conv");
    static final double MIN_MACS_RATIO = 2.02;
    static final int CHECKED = 6;

    private Model model;
    private byte[] base;
    private int[] widths;
    private long[] convMacs;
    private long otherMacs;
    private List<Map<String, Tensor>> fit;
    private List<Batch> score;

    @Test
    void vggBnFashion() {
        Model m = ModelReader.read(SharedFiles.model("vgg_bn_fashion"));
        model = m;
        base = ModelWriter.toBytes(m);
        List<Batch> calib = FashionMnist.batches(base, FashionMnist.calibration(2000), 250);
        fit = FashionMnist.feeds(calib.subList(0, 4));
        score = calib.subList(4, 8);
        widths = new int[CONVS.size()];
        for (int i = 0; i < widths.length; i++) {
            String name = CONVS.get(i);
            widths[i] = (int) m.graph().constantValue(m.graph().findNode(name).orElseThrow().input(1))
                    .orElseThrow().dim(0);
        }
        Macs macs = Macs.estimate(m).orElseThrow();
        convMacs = new long[widths.length];
        for (Macs.NodeMacs n : macs.perNode()) {
            int i = CONVS.indexOf(n.node());
            if (i >= 0) {
                convMacs[i] = n.macs();
            } else {
                otherMacs += n.macs();
            }
        }
        double acc0 = FashionMnist.accuracy(base, score);
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "%nheld-out calibration accuracy, unpruned: %.4f%n", acc0));

        String given = System.getProperty("prune.kept", "");
        if (!given.isEmpty()) {
            int[] kept = Arrays.stream(given.split(",")).mapToInt(Integer::parseInt).toArray();
            compare(kept, sb);
            System.out.println(sb);
            return;
        }
        // 1. per-layer sensitivity
        double[][] drop = new double[widths.length][];
        sb.append("\n| layer | kept | held-out accuracy | drop (points) |\n|---|---:|---:|---:|\n");
        for (int i = 0; i < widths.length; i++) {
            drop[i] = new double[widths[i] / 16 + 1];
            for (int k = 16; k < widths[i]; k += 16) {
                int[] kept = widths.clone();
                kept[i] = k;
                double a = accuracy(kept, Criterion.reconstruction, RefitRidge.held_out);
                drop[i][k / 16] = (acc0 - a) * 100;
                sb.append(String.format(Locale.ROOT, "| %s | %d | %.4f | %.2f |%n", CONVS.get(i), k, a,
                        drop[i][k / 16]));
                System.err.println("sensitivity " + CONVS.get(i) + " " + k + ": " + a);
            }
        }

        // 2. candidates by the additive proxy
        List<int[]> candidates = new ArrayList<>();
        enumerate(new int[widths.length], 0, candidates);
        candidates.sort(Comparator.comparingDouble(c -> proxy(c, drop)));

        // 3. check the best few together
        sb.append("\n| kept | MACs ratio | proxy drop | held-out accuracy |\n|---|---:|---:|---:|\n");
        int[] best = null;
        double bestAcc = -1;
        for (int[] c : candidates.subList(0, Math.min(CHECKED, candidates.size()))) {
            double a = accuracy(c, Criterion.reconstruction, RefitRidge.held_out);
            sb.append(String.format(Locale.ROOT, "| %s | %.3f | %.2f | %.4f |%n", Arrays.toString(c),
                    totalMacs(widths) / (double) totalMacs(c), proxy(c, drop), a));
            System.err.println("candidate " + Arrays.toString(c) + ": " + a);
            if (a > bestAcc) {
                best = c;
                bestAcc = a;
            }
        }
        sb.append("\nchosen: ").append(Arrays.toString(best)).append(" ratios ")
                .append(Arrays.toString(ratios(best))).append('\n');
        compare(best, sb);
        System.out.println(sb);
    }

    /** Criteria l1 and reconstruction, ridges fixed and held_out, at one allocation. */
    private void compare(int[] kept, StringBuilder sb) {
        sb.append("\n| kept | criterion | refit_ridge | held-out accuracy |\n|---|---|---|---:|\n");
        for (Criterion cr : List.of(Criterion.l1, Criterion.reconstruction)) {
            for (RefitRidge rr : RefitRidge.values()) {
                sb.append(String.format(Locale.ROOT, "| %s | %s | %s | %.4f |%n", Arrays.toString(kept),
                        cr.name().toLowerCase(), rr.name().toLowerCase(), accuracy(kept, cr, rr)));
            }
        }
    }

    private void enumerate(int[] kept, int layer, List<int[]> out) {
        if (layer == kept.length) {
            if (totalMacs(widths) >= MIN_MACS_RATIO * totalMacs(kept)) {
                out.add(kept.clone());
            }
            return;
        }
        for (int k = 16; k <= widths[layer]; k += 16) {
            kept[layer] = k;
            enumerate(kept, layer + 1, out);
        }
    }

    private static double proxy(int[] kept, double[][] drop) {
        double s = 0;
        for (int i = 0; i < kept.length; i++) {
            s += drop[i][kept[i] / 16 < drop[i].length ? kept[i] / 16 : 0];
        }
        return s;
    }

    /** MACs of the convs in a chain, each scaled by its kept input and output fractions. */
    private long totalMacs(int[] kept) {
        double t = otherMacs;
        for (int i = 0; i < kept.length; i++) {
            double in = i == 0 ? 1 : kept[i - 1] / (double) widths[i - 1];
            t += convMacs[i] * in * kept[i] / widths[i];
        }
        return Math.round(t);
    }

    private double[] ratios(int[] kept) {
        double[] r = new double[kept.length];
        for (int i = 0; i < r.length; i++) {
            r[i] = 1 - kept[i] / (double) widths[i];
        }
        return r;
    }

    static PruneChannelsOptions options(double[] ratios, Criterion criterion, RefitRidge ridge) {
        List<NodeSelector> layers = new ArrayList<>();
        List<Double> rs = new ArrayList<>();
        for (int i = 0; i < ratios.length; i++) {
            String name = CONVS.get(i);
            layers.add(n -> n.name().equals(name));
            rs.add(ratios[i]);
        }
        return PruneChannelsOptions.of(criterion, 0.0).withScope(Scope.layer).withRounding(16, 16)
                .withCompensation(new DataRef("calib")).withRefitRidge(ridge).withLayerRatios(layers, rs);
    }

    private double accuracy(int[] kept, Criterion criterion, RefitRidge ridge) {
        Model m = model.copy();
        new PruneChannelsPass().run(m, options(ratios(kept), criterion, ridge), FashionMnist.context(fit));
        return FashionMnist.accuracy(ModelWriter.toBytes(m), score);
    }
}
