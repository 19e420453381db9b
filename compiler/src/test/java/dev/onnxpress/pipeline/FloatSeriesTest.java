package dev.onnxpress.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.FloatBuffer;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Values appended in uneven batches read back the same, in memory or spilled; summaries as a whole-array loop. */
class FloatSeriesTest {
    private static float[] values(int n) {
        Random r = new Random(3);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (r.nextGaussian() * 10);
        }
        v[17] = Float.NaN;
        v[n / 2] = Float.POSITIVE_INFINITY;
        v[n - 3] = Float.NEGATIVE_INFINITY;
        return v;
    }

    private static FloatSeries fill(float[] v, long spillFloats) {
        FloatSeries s = new FloatSeries(spillFloats);
        int at = 0;
        int step = 1;
        while (at < v.length) {
            int n = Math.min(step, v.length - at);
            s.append(FloatBuffer.wrap(v, at, n));
            at += n;
            step = step * 3 % 1009 + 1;
        }
        return s;
    }

    @Test
    void readsBackWhatWasAppendedInMemoryAndSpilled() {
        float[] v = values(300_000);
        for (long bound : new long[] {Long.MAX_VALUE / 8, 1000, 1}) {
            try (FloatSeries s = fill(v, bound)) {
                assertThat(s.spilled()).isEqualTo(bound < v.length);
                assertThat(s.length()).isEqualTo(v.length);
                assertThat(s.toArray()).isEqualTo(v);
                // uneven reads, across the file's block boundaries
                FloatSeries.Reader r = s.reader();
                float[] got = new float[v.length];
                int at = 0;
                int step = 7;
                while (r.remaining() > 0) {
                    at += r.read(got, at, Math.min(step, v.length - at));
                    step = step * 5 % 70_001 + 1;
                }
                assertThat(at).isEqualTo(v.length);
                assertThat(got).isEqualTo(v);
            }
        }
    }

    @Test
    void summariesAreThoseOfTheWholeArray() {
        float[] v = values(50_000);
        double maxAbs = 0;
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        double sum = 0;
        double sq = 0;
        long finite = 0;
        for (float x : v) {
            if (Float.isFinite(x)) {
                finite++;
                maxAbs = Math.max(maxAbs, Math.abs(x));
                min = Math.min(min, x);
                max = Math.max(max, x);
                sum += x;
                sq += (double) x * x;
            }
        }
        FloatSeries s = fill(v, 100);
        assertThat(s.finite).isEqualTo(finite);
        assertThat(s.maxAbsFinite).isEqualTo(maxAbs);
        assertThat(s.minFinite).isEqualTo(min);
        assertThat(s.maxFinite).isEqualTo(max);
        assertThat(s.sumFinite).isEqualTo(sum);
        assertThat(s.sumSquaresFinite).isEqualTo(sq);
        s.close();
    }
}
