package dev.onnxpress.passes.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.FloatBuffer;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link LayerGram#projected}: a layer with fewer outputs per group than features keeps P = Xqᵀ(Xd Wᵀ) instead
 * of C = XqᵀXd; every C·w the fits read ({@link LayerGram#cross}) is the same up to rounding, plain and
 * mean-centred, for matrix layers and grouped convolutions, and A is unchanged bit for bit.
 */
class LayerGramProjectionTest {
    static final LayerGeometry DENSE = new LayerGeometry(false, 1, 12, 5, true, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1,
            "NOTSET");
    /** Conv, 4 input channels in 2 groups, 3×3 kernel, 4 outputs: 18 features, 2 outputs per group. */
    static final LayerGeometry GROUPED = new LayerGeometry(true, 2, 18, 4, false, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1,
            "NOTSET");

    static double[][] rows(LayerGeometry geo, Random r) {
        double[][] w = new double[geo.outputs()][geo.features()];
        for (double[] row : w) {
            for (int j = 0; j < row.length; j++) {
                row[j] = r.nextGaussian();
            }
        }
        return w;
    }

    /** Both accumulators fed the same runs: Xd random, Xq = Xd plus noise (some exact zeros in Xq). */
    static LayerGram[] feed(LayerGeometry geo, double[][] target, long[] dims, int runs) {
        LayerGram full = LayerGram.empty(geo, false);
        LayerGram proj = LayerGram.projected(geo, target);
        Random data = new Random(4);
        int size = 1;
        for (long d : dims) {
            size *= (int) d;
        }
        for (int run = 0; run < runs; run++) {
            float[] xd = new float[size];
            float[] xq = new float[size];
            for (int i = 0; i < size; i++) {
                xd[i] = (float) (1 + data.nextGaussian());
                xq[i] = data.nextInt(7) == 0 ? 0 : (float) (xd[i] + 0.1 * data.nextGaussian());
            }
            // the same patch positions for both: the same seed
            full.add(FloatBuffer.wrap(xq), FloatBuffer.wrap(xd), dims, 200, runs * dims[0], new Random(run));
            proj.add(FloatBuffer.wrap(xq), FloatBuffer.wrap(xd), dims, 200, runs * dims[0], new Random(run));
        }
        return new LayerGram[] {full.finish(), proj.finish()};
    }

    static void assertSameCross(LayerGeometry geo, double[][] target, LayerGram full, LayerGram proj) {
        int per = geo.outputsPerGroup();
        for (int g = 0; g < geo.groups(); g++) {
            assertTrue(java.util.Arrays.equals(full.a(g), proj.a(g)), "A of group " + g + " bit for bit");
            for (boolean centred : new boolean[] {false, true}) {
                LayerGram.Cross c = full.cross(g, centred);
                LayerGram.Cross p = proj.cross(g, centred);
                for (int r = g * per; r < (g + 1) * per; r++) {
                    for (int i = 0; i < geo.features(); i++) {
                        double want = c.dot(i, r, target[r]);
                        double got = p.dot(i, r, target[r]);
                        assertEquals(want, got, 1e-9 * Math.max(1, Math.abs(want)),
                                "group " + g + " output " + r + " feature " + i + " centred " + centred);
                    }
                }
            }
        }
    }

    @Test
    void matrixLayerProjectionAgreesWithTheFullCrossGram() {
        double[][] target = rows(DENSE, new Random(1));
        LayerGram[] g = feed(DENSE, target, new long[] {150, 12}, 3);
        assertEquals(g[0].count(0), g[1].count(0));
        assertSameCross(DENSE, target, g[0], g[1]);
    }

    @Test
    void groupedConvolutionProjectionAgreesWithTheFullCrossGram() {
        double[][] target = rows(GROUPED, new Random(2));
        LayerGram[] g = feed(GROUPED, target, new long[] {2, 4, 6, 6}, 4);
        assertTrue(g[0].rows() > 0);
        assertSameCross(GROUPED, target, g[0], g[1]);
    }

    @Test
    void projectionOnlyWhereItIsSmallerAndTheFeaturesDiffer() {
        assertTrue(LayerGram.projects(DENSE, false));
        assertFalse(LayerGram.projects(DENSE, true), "Xq = Xd: C is A, nothing to keep");
        LayerGeometry wide = new LayerGeometry(false, 1, 4, 9, true, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, "NOTSET");
        assertFalse(LayerGram.projects(wide, false), "more outputs than features: C is the smaller");
        assertTrue(LayerGram.bytes(DENSE, false) < LayerGram.bytes(
                new LayerGeometry(false, 1, 12, 12, true, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, "NOTSET"), false));
        LayerGram proj = LayerGram.projected(DENSE, rows(DENSE, new Random(3)));
        assertThrows(IllegalStateException.class, () -> proj.c(0));
        assertThrows(IllegalArgumentException.class, () -> LayerGram.projected(DENSE, new double[2][12]));
    }
}
