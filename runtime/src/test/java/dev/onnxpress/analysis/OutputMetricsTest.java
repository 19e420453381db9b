package dev.onnxpress.analysis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class OutputMetricsTest {

    @Test
    void cosineOfZeroVectorsIsOneAndOfOneZeroVectorIsZero() {
        assertThat(OutputMetrics.cosine(0, 0, 0)).isEqualTo(1);
        assertThat(OutputMetrics.cosine(0, 0, 4)).isZero();
        assertThat(OutputMetrics.cosine(0, 9, 0)).isZero();
    }

    @Test
    void cosineIsClampedAndMatchesTheDefinition() {
        OutputMetrics.Cosine c = new OutputMetrics.Cosine();
        c.add(new double[] {1, 2, 3}, new double[] {1, 2, 3.5});
        double dot = 1 + 4 + 10.5;
        assertThat(c.value()).isCloseTo(dot / Math.sqrt(14 * (1 + 4 + 12.25)), within(1e-15));
        OutputMetrics.Cosine same = new OutputMetrics.Cosine();
        same.add(new float[] {0.1f, 0.2f, 0.3f}, new float[] {0.1f, 0.2f, 0.3f});
        assertThat(same.value()).isLessThanOrEqualTo(1).isCloseTo(1, within(1e-12));
        OutputMetrics.Cosine opposite = new OutputMetrics.Cosine();
        opposite.add(new double[] {1, -2}, new double[] {-1, 2});
        assertThat(opposite.value()).isEqualTo(-1);
    }

    @Test
    void argmaxTakesTheFirstLargestAndNeverANaN() {
        assertThat(OutputMetrics.argmax(new float[] {1, 3, 3, 2})).isEqualTo(1);
        assertThat(OutputMetrics.argmax(new float[] {Float.NaN, 1, 2})).isZero(); // NaN first: stays at 0
        assertThat(OutputMetrics.argmax(new float[] {1, Float.NaN, 2})).isEqualTo(2);
        assertThat(OutputMetrics.argmax(new double[] {0, 5, -1, 7}, 1, 3)).isEqualTo(2);
        assertThat(OutputMetrics.argmaxRows(new float[] {1, 0, 0, 2, 5, 4}, 2)).containsExactly(0, 1, 0);
    }
}
