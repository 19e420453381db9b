package dev.onnxpress.passes.share;

import java.util.Arrays;
import java.util.Random;

/**
 * Lloyd's k-means on scalars. With {@code fixedZero} centroid 0 is the value 0, never moves, and takes
 * exactly the weights that are 0 (pruned connections stay pruned); the other centroids cluster the
 * nonzero weights. Assignment is a binary search over the sorted centroids (nearest by midpoints).
 */
public final class KMeans1D {
    /** centroids[k] and each weight's centroid index. */
    public record Clustering(double[] centroids, int[] assignment, int iterations) {
    }

    private KMeans1D() {
    }

    public static Clustering fit(float[] w, int k, ShareWeightsOptions.Init init, boolean fixedZero, int maxIter,
            Random random) {
        int n = w.length;
        int first = fixedZero ? 1 : 0;
        double[] nz = Arrays.stream(toDouble(w)).filter(v -> !fixedZero || v != 0).sorted().toArray();
        int free = Math.max(0, Math.min(k - first, distinct(nz)));
        double[] c = new double[first + free];
        if (free > 0) {
            double[] init0 = initial(nz, free, init, random);
            System.arraycopy(init0, 0, c, first, free);
        }
        int[] a = new int[n];
        int it = 0;
        for (; it < maxIter; it++) {
            double[] sum = new double[c.length];
            long[] cnt = new long[c.length];
            boolean moved = false;
            int[] order = sortedOrder(c, first);
            double[] sc = new double[order.length];
            for (int i = 0; i < order.length; i++) {
                sc[i] = c[order[i]];
            }
            for (int i = 0; i < n; i++) {
                int idx;
                if (fixedZero && w[i] == 0) {
                    idx = 0;
                } else {
                    idx = order[nearest(sc, w[i])];
                }
                if (idx != a[i] || it == 0) {
                    moved |= idx != a[i];
                    a[i] = idx;
                }
                sum[idx] += w[i];
                cnt[idx]++;
            }
            for (int j = first; j < c.length; j++) {
                if (cnt[j] > 0) {
                    c[j] = sum[j] / cnt[j];
                }
            }
            if (!moved && it > 0) {
                break;
            }
        }
        return new Clustering(c, a, it);
    }

    private static double[] initial(double[] sorted, int k, ShareWeightsOptions.Init init, Random random) {
        double[] c = new double[k];
        double lo = sorted[0];
        double hi = sorted[sorted.length - 1];
        switch (init) {
            case linear -> {
                for (int j = 0; j < k; j++) {
                    c[j] = k == 1 ? (lo + hi) / 2 : lo + (hi - lo) * j / (k - 1);
                }
            }
            case density -> {
                for (int j = 0; j < k; j++) {
                    c[j] = sorted[(int) Math.min(sorted.length - 1, Math.round((j + 0.5) * sorted.length / k))];
                }
            }
            default -> {
                for (int j = 0; j < k; j++) {
                    c[j] = sorted[random.nextInt(sorted.length)];
                }
            }
        }
        return c;
    }

    private static int[] sortedOrder(double[] c, int first) {
        Integer[] o = new Integer[c.length - first];
        for (int i = 0; i < o.length; i++) {
            o[i] = i + first;
        }
        Arrays.sort(o, (x, y) -> Double.compare(c[x], c[y]));
        return Arrays.stream(o).mapToInt(Integer::intValue).toArray();
    }

    /** Index in sorted {@code sc} of the value nearest to v. */
    static int nearest(double[] sc, double v) {
        int lo = 0;
        int hi = sc.length - 1;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (v > (sc[mid] + sc[mid + 1]) / 2) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    private static int distinct(double[] sorted) {
        int d = 0;
        for (int i = 0; i < sorted.length; i++) {
            if (i == 0 || sorted[i] != sorted[i - 1]) {
                d++;
            }
        }
        return d;
    }

    private static double[] toDouble(float[] w) {
        double[] d = new double[w.length];
        for (int i = 0; i < w.length; i++) {
            d[i] = w[i];
        }
        return d;
    }
}
