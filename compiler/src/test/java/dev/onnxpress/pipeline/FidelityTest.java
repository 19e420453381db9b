package dev.onnxpress.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.onnxpress.report.PipelineReport.Metrics;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class FidelityTest {
    static Outputs outputs(int classes, float[]... values) {
        Map<String, float[]> m = new LinkedHashMap<>();
        for (int i = 0; i < values.length; i++) {
            m.put("y" + i, values[i]);
        }
        return new Outputs(m, classes);
    }

    @Test
    void identicalOutputsAreExact() {
        Outputs a = outputs(2, new float[] {1, 2, 3, 0});
        Metrics m = Fidelity.compare(a, a, Optional.of(new int[] {1, 0}));
        assertThat(m.maxAbsError()).isZero();
        assertThat(m.maxRelError()).isZero();
        assertThat(m.cosine()).isEqualTo(1.0);
        assertThat(m.top1Agreement()).hasValue(1.0);
        assertThat(m.accuracy()).hasValue(1.0);
    }

    @Test
    void relativeErrorOfValuesNearZeroIsBoundedByTheOutputScale() {
        // eps = 1e-3 · max|ref| = 1e-3 · 100 = 0.1: an error of 0.01 on a reference of 0 is 0.1 relative
        Outputs ref = outputs(0, new float[] {100, 0});
        Outputs got = outputs(0, new float[] {100, 0.01f});
        Metrics m = Fidelity.compare(got, ref, Optional.empty());
        assertThat(m.maxAbsError()).isCloseTo(0.01, within(1e-7));
        assertThat(m.maxRelError()).isCloseTo(0.1, within(1e-6));
        assertThat(m.top1Agreement()).isEmpty();
        assertThat(m.accuracy()).isEmpty();
    }

    @Test
    void cosineSpansAllOutputsAndTop1UsesTheFirst() {
        Outputs ref = outputs(2, new float[] {1, 0, 0, 1}, new float[] {3});
        Outputs got = outputs(2, new float[] {1, 0, 1, 0}, new float[] {3});
        Metrics m = Fidelity.compare(got, ref, Optional.of(new int[] {0, 1}));
        assertThat(m.cosine()).isCloseTo(10.0 / 11.0, within(1e-9));
        assertThat(m.top1Agreement()).hasValue(0.5);
        assertThat(m.accuracy()).hasValue(0.5);
        assertThat(m.maxAbsError()).isEqualTo(1.0);
    }

    @Test
    void nanMakesEveryErrorMetricNaNSoNoCheckHolds() {
        Outputs ref = outputs(0, new float[] {1, 2});
        Outputs got = outputs(0, new float[] {1, Float.NaN});
        Metrics m = Fidelity.compare(got, ref, Optional.empty());
        assertThat(m.maxAbsError()).isNaN();
        assertThat(m.cosine()).isNaN();
        assertThat(dev.onnxpress.dsl.Check.Comparison.LE.holds(m.maxAbsError(), 1e9)).isFalse();
    }

    @Test
    void breachTextNamesTheFailedComparison() {
        var c = new dev.onnxpress.report.PipelineReport.CheckResult("top1_agreement >= 0.98", "top1_agreement",
                "original", ">=", 0.98, 0.912, false);
        assertThat(PassManager.breachText(c)).isEqualTo("top1_agreement 0.912 < 0.98");
        var p = new dev.onnxpress.report.PipelineReport.CheckResult("max_abs_error vs previous <= 0", "max_abs_error",
                "previous", "<=", 0, 3.814697265625e-6, false);
        assertThat(PassManager.breachText(p)).isEqualTo("max_abs_error vs previous 3.8147e-06 > 0");
    }
}
