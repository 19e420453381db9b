package dev.onnxpress.passes.share;

import static org.assertj.core.api.Assertions.assertThat;

import dev.onnxpress.ir.DataType;
import dev.onnxpress.ir.Model;
import dev.onnxpress.ir.ModelWriter;
import dev.onnxpress.ir.Tensor;
import dev.onnxpress.passes.core.LayerGeometry;
import dev.onnxpress.passes.core.LayerGram;
import dev.onnxpress.testing.GraphBuilder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * GPTQ-style assignment to a fixed codebook: on correlated inputs, pushing each rounding error onto the
 * weights not yet assigned gives outputs closer to the reference than nearest rounding.
 */
class CompensatedAssignmentTest {
    static final int K = 4;
    static final int N = 2;

    /** y = Identity(x) · W with W [4, 2] (the Identity names the layer input for the taps); x's columns are nearly equal (x1 ≈ x0, x3 ≈ x2). */
    static LayerGram gram(float[] w) {
        Model m = GraphBuilder.model("mm").input("x", DataType.FLOAT, "b", K)
                .initializer("w", Tensor.ofFloats(new long[] {K, N}, w))
                .node("Identity", List.of("x"), List.of("h"))
                .node("MatMul", List.of("h", "w"), List.of("y")).output("y", DataType.FLOAT, "b", N).build();
        byte[] bytes = dev.onnxpress.ort.OrtRunner.withTaps(ModelWriter.toBytes(m), List.of("h"));
        Random r = new Random(2);
        List<Map<String, Tensor>> batches = new ArrayList<>();
        for (int b = 0; b < 4; b++) {
            float[] x = new float[64 * K];
            for (int s = 0; s < 64; s++) {
                double a = r.nextGaussian();
                double c = r.nextGaussian();
                x[s * K] = (float) a;
                x[s * K + 1] = (float) (a + 0.05 * r.nextGaussian());
                x[s * K + 2] = (float) c;
                x[s * K + 3] = (float) (c + 0.05 * r.nextGaussian());
            }
            batches.add(Map.of("x", Tensor.ofFloats(new long[] {64, K}, x)));
        }
        LayerGeometry geo = new LayerGeometry(false, 1, K, N, true, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, "NOTSET");
        return LayerGram.collect(geo, "h", bytes, bytes, batches, 100_000, new Random(1)).symmetric();
    }

    /** Σ over the calibration rows of the output error, (w − q)ᵀ A (w − q) per output. */
    static double outputError(double[] a, double[][] ref, double[][] q) {
        double e = 0;
        for (int o = 0; o < ref.length; o++) {
            for (int i = 0; i < K; i++) {
                for (int j = 0; j < K; j++) {
                    e += (ref[o][i] - q[o][i]) * a[i * K + j] * (ref[o][j] - q[o][j]);
                }
            }
        }
        return e;
    }

    @Test
    void compensationBeatsNearestRoundingOnCorrelatedInputs() {
        // rows (outputs) of W: 0.3 everywhere rounds up to 0.5 twice along the same direction when nearest
        float[] wFlat = {0.3f, 0.3f, 0.3f, 0.3f, 0.3f, -0.3f, 0.3f, -0.3f}; // [K, N]: column 0 all 0.3, column 1 +,+,−,−
        LayerGram g = gram(wFlat);
        double[][] ref = new double[N][K];
        for (int k = 0; k < K; k++) {
            for (int o = 0; o < N; o++) {
                ref[o][k] = wFlat[k * N + o];
            }
        }
        double[] codebook = {-0.5, 0, 0.5};
        LayerGeometry geo = g.geometry();
        int[][] comp = CompensatedAssignment.assign(geo, g, ref, ref, codebook, false, false, 0.01, 1e-9);
        double[][] qComp = new double[N][K];
        double[][] qNear = new double[N][K];
        for (int o = 0; o < N; o++) {
            for (int k = 0; k < K; k++) {
                qComp[o][k] = codebook[comp[o][k]];
                double best = codebook[0];
                for (double c : codebook) {
                    if (Math.abs(ref[o][k] - c) < Math.abs(ref[o][k] - best)) {
                        best = c;
                    }
                }
                qNear[o][k] = best;
            }
        }
        // nearest: every 0.3 → 0.5 (and −0.3 → −0.5); compensated: pairs of correlated inputs split 0.5 / 0
        assertThat(qNear[0]).containsExactly(0.5, 0.5, 0.5, 0.5);
        assertThat(qComp[0][0] + qComp[0][1]).as("%s %s", java.util.Arrays.deepToString(qComp),
                java.util.Arrays.toString(g.a(0))).isEqualTo(0.5);
        assertThat(qComp[0][2] + qComp[0][3]).isEqualTo(0.5);
        double[] a = g.a(0);
        double near = outputError(a, ref, qNear);
        double compensated = outputError(a, ref, qComp);
        assertThat(compensated).isLessThan(0.2 * near);
    }

    @Test
    void rowsAreAssignedAsIfAloneWhateverOrderTheirSupportsComeIn() {
        LayerGram g = gram(new float[] {0.3f, 0.3f, 0.3f, 0.3f, 0.3f, -0.3f, 0.3f, -0.3f});
        int rows = 7;
        Random r = new Random(8);
        double[][] current = new double[rows][K];
        double[][] target = new double[rows][K];
        for (int o = 0; o < rows; o++) {
            for (int k = 0; k < K; k++) {
                target[o][k] = r.nextGaussian() * 0.4;
                // three supports, interleaved (rows 0, 3, 6 share one, and so on); zeros stay zero
                current[o][k] = k == o % 3 ? 0 : target[o][k];
            }
        }
        double[] codebook = {0, -0.5, -0.2, 0.2, 0.5};
        LayerGeometry geo = new LayerGeometry(false, 1, K, rows, true, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, "NOTSET");
        int[][] out = CompensatedAssignment.assign(geo, g, current, target, codebook, true, false, 0.01, 1e-9);
        double[][] revCurrent = new double[rows][];
        double[][] revTarget = new double[rows][];
        for (int o = 0; o < rows; o++) {
            revCurrent[o] = current[rows - 1 - o];
            revTarget[o] = target[rows - 1 - o];
        }
        int[][] rev = CompensatedAssignment.assign(geo, g, revCurrent, revTarget, codebook, true, false, 0.01, 1e-9);
        for (int o = 0; o < rows; o++) {
            assertThat(rev[rows - 1 - o]).as("row %d", o).containsExactly(out[o]);
            assertThat(out[o][o % 3]).as("a zero stays on the zero centroid").isEqualTo(0);
            // each row alone: a one-row layer gives the same indices
            LayerGeometry one = new LayerGeometry(false, 1, K, 1, true, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, "NOTSET");
            int[][] alone = CompensatedAssignment.assign(one, g, new double[][] {current[o]},
                    new double[][] {target[o]}, codebook, true, false, 0.01, 1e-9);
            assertThat(alone[0]).as("row %d alone", o).containsExactly(out[o]);
        }
    }
}
