package dev.onnxpress.passes.exits;

import java.util.ArrayList;
import java.util.List;

/**
 * Greedy threshold choice in network order: exit i takes the k lowest-entropy samples not yet taken, with
 * k as large as keeps overall accuracy (earlier exits as chosen, later samples answered by the full model)
 * within {@code maxDrop} of the full model. Earlier exits save the most MACs per sample, so they go first.
 */
final class ThresholdSearch {
    private ThresholdSearch() {
    }

    /** Per held-out sample: the exit's entropy and whether its prediction is right. */
    record ExitEval(double[] entropy, boolean[] right) {
    }

    static AddEarlyExitsPass.Selection choose(List<ExitEval> exits, boolean[] fullRight, double maxDrop,
            List<Double> given) {
        int m = fullRight.length;
        boolean[] taken = new boolean[m];
        int correct = 0;
        for (boolean b : fullRight) {
            correct += b ? 1 : 0;
        }
        double accFull = correct / (double) m;
        long floor = (long) Math.ceil((accFull - maxDrop) * m - 1e-9);
        double[] th = new double[exits.size()];
        double[] share = new double[exits.size()];
        double[] acc = new double[exits.size()];
        for (int e = 0; e < exits.size(); e++) {
            ExitEval x = exits.get(e);
            List<Integer> order = new ArrayList<>();
            for (int i = 0; i < m; i++) {
                if (!taken[i]) {
                    order.add(i);
                }
            }
            order.sort((a, b) -> Double.compare(x.entropy()[a], x.entropy()[b]));
            int k;
            if (!given.isEmpty()) {
                th[e] = given.get(e);
                k = 0;
                while (k < order.size() && x.entropy()[order.get(k)] < th[e]) {
                    k++;
                }
                for (int j = 0; j < k; j++) {
                    int i = order.get(j);
                    correct += (x.right()[i] ? 1 : 0) - (fullRight[i] ? 1 : 0);
                }
            } else {
                int best = 0;
                int c = correct;
                int bestC = correct;
                for (int j = 0; j < order.size(); j++) {
                    int i = order.get(j);
                    c += (x.right()[i] ? 1 : 0) - (fullRight[i] ? 1 : 0);
                    // a threshold can only fall between distinct entropies
                    boolean cut = j + 1 == order.size() || x.entropy()[order.get(j + 1)] > x.entropy()[i];
                    if (cut && c >= floor) {
                        best = j + 1;
                        bestC = c;
                    }
                }
                k = best;
                correct = bestC;
                th[e] = k == 0 ? 0 : k == order.size() ? x.entropy()[order.get(k - 1)] * 1.0001 + 1e-6
                        : (x.entropy()[order.get(k - 1)] + x.entropy()[order.get(k)]) / 2;
            }
            int right = 0;
            for (int j = 0; j < k; j++) {
                int i = order.get(j);
                taken[i] = true;
                right += x.right()[i] ? 1 : 0;
            }
            share[e] = k / (double) m;
            acc[e] = k == 0 ? Double.NaN : right / (double) k;
        }
        return new AddEarlyExitsPass.Selection(th, share, acc, correct / (double) m, accFull);
    }
}
