package dev.onnxpress.passes.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.onnxpress.passes.PassException;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;

class CholeskyTest {

    /** A random symmetric positive definite matrix XᵀX + I of size n. */
    private static double[] spd(int n, long seed) {
        Random r = new Random(seed);
        double[] x = new double[2 * n * n];
        for (int i = 0; i < x.length; i++) {
            x[i] = r.nextGaussian();
        }
        double[] m = new double[n * n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                double s = i == j ? 1 : 0;
                for (int k = 0; k < 2 * n; k++) {
                    s += x[k * n + i] * x[k * n + j];
                }
                m[i * n + j] = s;
            }
        }
        return m;
    }

    private static double[] times(double[] m, int n, double[] x) {
        double[] y = new double[n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                y[i] += m[i * n + j] * x[j];
            }
        }
        return y;
    }

    @Test
    void solvesAndInvertsAWellConditionedSystemWithoutShift() {
        int n = 7;
        double[] m = spd(n, 1);
        double[] b = {1, -2, 3, 0.5, 0, 4, -1};
        Cholesky.Factor f = Cholesky.factor(m, n, 0).orElseThrow();
        assertThat(f.shift()).isZero();
        double[] x = f.solve(b);
        double[] back = times(m, n, x);
        for (int i = 0; i < n; i++) {
            assertThat(back[i]).isCloseTo(b[i], within(1e-9));
        }
        double[] inv = f.inverse();
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                double s = 0;
                for (int k = 0; k < n; k++) {
                    s += m[i * n + k] * inv[k * n + j];
                }
                assertThat(s).isCloseTo(i == j ? 1 : 0, within(1e-9));
            }
        }
        double[] u = f.upper();
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                double s = 0;
                for (int k = 0; k < n; k++) {
                    s += u[k * n + i] * u[k * n + j];
                }
                assertThat(s).isCloseTo(m[i * n + j], within(1e-9));
                if (j < i) {
                    assertThat(u[i * n + j]).isZero();
                }
            }
        }
    }

    @Test
    void severalRightHandSidesMatchOneAtATime() {
        int n = 5;
        double[] m = spd(n, 2);
        Cholesky.Factor f = Cholesky.factor(m, n, 0.1).orElseThrow();
        double[][] b = new double[n][3];
        for (int i = 0; i < n; i++) {
            for (int k = 0; k < 3; k++) {
                b[i][k] = i - 2 * k + 0.25;
            }
        }
        double[][] x = f.solveColumns(b);
        for (int k = 0; k < 3; k++) {
            double[] col = new double[n];
            for (int i = 0; i < n; i++) {
                col[i] = b[i][k];
            }
            double[] one = f.solve(col);
            for (int i = 0; i < n; i++) {
                assertThat(x[i][k]).isEqualTo(one[i]);
            }
        }
    }

    @Test
    void singularMatrixIsRegularisedAndTheShiftRecorded() {
        // rank one: every row the same; with no shift the second pivot is 0
        int n = 4;
        double[] m = new double[n * n];
        java.util.Arrays.fill(m, 2.0);
        Cholesky.Factor f = Cholesky.factor(m, n, 0).orElseThrow();
        assertThat(f.shift()).isPositive();
        double[] x = f.solve(new double[] {1, 1, 1, 1});
        for (double v : x) {
            assertThat(v).isFinite();
        }
        // an all-zero Gram (dead inputs) still factors and solves to zero weights
        Cholesky.Factor zero = Cholesky.factor(new double[n * n], n, 0).orElseThrow();
        assertThat(zero.solve(new double[n])).containsOnly(0.0);
    }

    @Test
    void indefiniteMatrixIsRegularisedToo() {
        double[] m = {1, 3, 3, 1}; // eigenvalues 4 and −2
        Cholesky.Factor f = Cholesky.factor(m, 2, 0).orElseThrow();
        assertThat(f.shift()).isGreaterThan(2);
    }

    @Test
    void nonFiniteMatrixIsRefusedAndRequireNamesThePass() {
        double[] m = {1, 0, Double.NaN, 1};
        Optional<Cholesky.Factor> f = Cholesky.factor(m, 2, 0);
        assertThat(f).isEmpty();
        assertThatThrownBy(() -> Cholesky.require(f, "prune_magnitude", "the Hessian of a layer"))
                .isInstanceOf(PassException.class)
                .hasMessageContaining("prune_magnitude")
                .hasMessageContaining("non-finite");
        assertThat(RidgeFit.solve(m, 2, new double[] {1, 1}, 0.01)).isEmpty();
    }

    @Test
    void ridgeScalesWithTheDiagonal() {
        int n = 3;
        double[] m = spd(n, 3);
        double trace = m[0] + m[4] + m[8];
        Cholesky.Factor f = Cholesky.ridge(m, n, 0.5).orElseThrow();
        assertThat(f.shift()).isCloseTo(0.5 * trace / n + 1e-12, within(1e-12));
        double[] x = RidgeFit.solve(m, n, new double[] {1, 2, 3}, 0.5).orElseThrow();
        double[] shifted = m.clone();
        for (int i = 0; i < n; i++) {
            shifted[i * n + i] += f.shift();
        }
        double[] back = times(shifted, n, x);
        assertThat(back[0]).isCloseTo(1, within(1e-9));
        assertThat(back[2]).isCloseTo(3, within(1e-9));
    }
}
