package dev.onnxpress.passes.prune.magnitude;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The streamed selection of {@link GlobalThreshold} picks what sorting all the scores picks, at every rank tried. */
class GlobalThresholdTest {

    @Test
    void sameValueAsSortingEveryScore() {
        Random rnd = new Random(7);
        for (int trial = 0; trial < 40; trial++) {
            List<double[]> layers = new ArrayList<>();
            int count = 1 + rnd.nextInt(5);
            for (int l = 0; l < count; l++) {
                double[] s = new double[1 + rnd.nextInt(300)];
                for (int i = 0; i < s.length; i++) {
                    s[i] = switch (rnd.nextInt(6)) {
                        case 0 -> -1; // must go
                        case 1 -> 0;
                        case 2 -> -0.0;
                        case 3 -> Math.round(rnd.nextDouble() * 4) / 4.0; // ties
                        default -> Math.abs(rnd.nextGaussian()) * Math.pow(10, rnd.nextInt(7) - 3);
                    };
                }
                layers.add(s);
            }
            double[] all = layers.stream().flatMapToDouble(Arrays::stream).toArray();
            double[] sorted = all.clone();
            Arrays.sort(sorted);
            for (int k : new int[] {0, all.length / 3, all.length / 2, all.length - 1, rnd.nextInt(all.length)}) {
                // direct=1: every 16-bit round of the radix selection; the default: one round, then a sort
                assertEquals(sorted[k], GlobalThreshold.kth(layers.size(), layers::get, k, 1), "trial " + trial);
                assertEquals(sorted[k], GlobalThreshold.kth(layers.size(), layers::get, k), "trial " + trial);
            }
        }
    }

    @Test
    void keysKeepDoubleCompareOrder() {
        double[] v = {Double.NEGATIVE_INFINITY, -3.5, -1, -Double.MIN_VALUE, -0.0, 0.0, Double.MIN_VALUE, 1e-300, 2,
            Double.MAX_VALUE, Double.POSITIVE_INFINITY, Double.NaN};
        for (int i = 0; i < v.length; i++) {
            assertEquals(Double.doubleToLongBits(v[i]),
                    Double.doubleToLongBits(GlobalThreshold.fromKey(GlobalThreshold.key(v[i]))));
            for (int j = 0; j < v.length; j++) {
                assertEquals(Integer.signum(Double.compare(v[i], v[j])),
                        Integer.signum(Long.compareUnsigned(GlobalThreshold.key(v[i]), GlobalThreshold.key(v[j]))));
            }
        }
    }
}
