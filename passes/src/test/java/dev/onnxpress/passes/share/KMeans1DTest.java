package dev.onnxpress.passes.share;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** Lloyd's iterations of KMeans1D against ones computed by hand. */
class KMeans1DTest {

    static double squaredError(float[] w, double[] centroids, int[] assignment) {
        double e = 0;
        for (int i = 0; i < w.length; i++) {
            double d = w[i] - centroids[assignment[i]];
            e += d * d;
        }
        return e;
    }

    /** Each weight's error to its nearest centroid. */
    static double nearestError(float[] w, double[] centroids) {
        double e = 0;
        for (float v : w) {
            double best = Double.POSITIVE_INFINITY;
            for (double c : centroids) {
                best = Math.min(best, (v - c) * (v - c));
            }
            e += best;
        }
        return e;
    }

    @Test
    void lloydIterationsByHand() {
        float[] w = {0, 1, 6, 7, 8, 30};
        // linear init over [0, 30]: centroids 0, 15, 30; midpoints 7.5 and 22.5
        // iteration 0: {0, 1, 6, 7} → 3.5, {8} → 8, {30} → 30
        // iteration 1: midpoints 5.75 and 19: {0, 1} → 0.5, {6, 7, 8} → 7, {30} → 30 (6 and 7 moved)
        // iteration 2: midpoints 3.75 and 18.5: nothing moves, stop
        KMeans1D.Clustering c = KMeans1D.fit(w, 3, ShareWeightsOptions.Init.linear, false, 50, new Random(1));
        assertThat(c.centroids()).containsExactly(new double[] {0.5, 7, 30}, within(1e-12));
        assertThat(c.assignment()).containsExactly(0, 0, 1, 1, 1, 2);
        assertThat(c.iterations()).isEqualTo(2);
        // error with the initial centroids (nearest): 0 + 1 + 36 + 49 + 49 + 0 = 135; after: 2.5
        assertThat(nearestError(w, new double[] {0, 15, 30})).isEqualTo(135.0);
        assertThat(squaredError(w, c.centroids(), c.assignment())).isCloseTo(2.5, within(1e-12))
                .isLessThan(nearestError(w, new double[] {0, 15, 30}));
    }

    @Test
    void oneIterationCapStopsAfterTheFirstUpdate() {
        float[] w = {0, 1, 6, 7, 8, 30};
        KMeans1D.Clustering c = KMeans1D.fit(w, 3, ShareWeightsOptions.Init.linear, false, 1, new Random(1));
        assertThat(c.centroids()).containsExactly(new double[] {3.5, 8, 30}, within(1e-12));
    }

    @Test
    void fixedZeroKeepsZerosOnTheExactZeroAndClustersTheRest() {
        float[] w = {0, 1, 0, 6, 7, 8, 30};
        // the nonzero weights {1, 6, 7, 8, 30}: linear init 1 and 30, midpoint 15.5 → {1, 6, 7, 8} → 5.5, {30}
        KMeans1D.Clustering c = KMeans1D.fit(w, 3, ShareWeightsOptions.Init.linear, true, 50, new Random(1));
        assertThat(c.centroids()).containsExactly(new double[] {0, 5.5, 30}, within(1e-12));
        assertThat(c.assignment()).containsExactly(0, 1, 0, 1, 1, 1, 2);
        assertThat(c.assignment()[1]).isEqualTo(1); // 0 is only for exact zeros, even for the weight 1
    }

    @Test
    void randomWeightsEndWithLessErrorThanTheirInitialCentroids() {
        Random r = new Random(5);
        float[] w = new float[2000];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) (r.nextGaussian() * (i % 3 == 0 ? 3 : 1));
        }
        for (ShareWeightsOptions.Init init : ShareWeightsOptions.Init.values()) {
            KMeans1D.Clustering c = KMeans1D.fit(w, 8, init, false, 100, new Random(3));
            KMeans1D.Clustering start = KMeans1D.fit(w, 8, init, false, 0, new Random(3));
            double before = nearestError(w, start.centroids());
            double after = squaredError(w, c.centroids(), c.assignment());
            assertThat(after).as("%s", init).isLessThan(before);
            assertThat(after).as("%s: the assignment is the nearest centroid", init)
                    .isCloseTo(nearestError(w, c.centroids()), within(1e-6 * after));
        }
    }

    @Test
    void nearestUsesMidpoints() {
        double[] sc = {-1, 0, 2};
        assertThat(KMeans1D.nearest(sc, -0.6)).isZero();
        assertThat(KMeans1D.nearest(sc, -0.4)).isEqualTo(1);
        assertThat(KMeans1D.nearest(sc, 1.01)).isEqualTo(2);
        assertThat(KMeans1D.nearest(sc, 0.99)).isEqualTo(1);
    }
}
