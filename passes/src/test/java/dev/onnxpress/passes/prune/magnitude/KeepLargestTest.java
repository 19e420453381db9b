package dev.onnxpress.passes.prune.magnitude;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The threshold scan of {@link PruneMagnitudePass#keepLargest} picks what a stable sort of the scores picks. */
class KeepLargestTest {

    /** The definition: sort indices by score (stable), drop the first floor(sparsity·n), never keep a negative. */
    static boolean[] bySort(double[] score, double sparsity) {
        int drop = (int) Math.floor(sparsity * score.length);
        Integer[] order = new Integer[score.length];
        for (int i = 0; i < score.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Double.compare(score[a], score[b]));
        boolean[] k = new boolean[score.length];
        for (int i = 0; i < score.length; i++) {
            k[order[i]] = i >= drop && score[order[i]] >= 0;
        }
        return k;
    }

    @Test
    void sameAsStableSortWithTiesMustGoAndZeros() {
        Random r = new Random(5);
        for (int trial = 0; trial < 300; trial++) {
            int n = 1 + r.nextInt(200);
            double[] s = new double[n];
            for (int i = 0; i < n; i++) {
                int kind = r.nextInt(5);
                s[i] = kind == 0 ? -1 : kind == 1 ? 0 : kind == 2 ? r.nextInt(4) : r.nextDouble();
            }
            double sparsity = r.nextInt(4) == 0 ? r.nextInt(2) : r.nextDouble();
            assertArrayEquals(bySort(s, sparsity), PruneMagnitudePass.keepLargest(s, sparsity), "trial " + trial);
        }
    }

    @Test
    void keepsExactlyTheLargestHalfOfALargeLayer() {
        double[] s = new Random(1).doubles(300_000).toArray();
        boolean[] k = PruneMagnitudePass.keepLargest(s, 0.5);
        double[] sorted = s.clone();
        Arrays.sort(sorted);
        for (int i = 0; i < s.length; i += 97) {
            assertTrue(k[i] == (s[i] >= sorted[150_000]), "index " + i);
        }
        int kept = 0;
        for (boolean b : k) {
            kept += b ? 1 : 0;
        }
        assertTrue(kept == 150_000, "kept " + kept);
    }
}
