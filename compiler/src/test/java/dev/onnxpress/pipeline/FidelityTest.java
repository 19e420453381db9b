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
    void discordanceCountsTheRowsWhereExactlyOneOfTheTwoIsRight() {
        // rows: ref right / got right, ref right / got wrong, ref wrong / got right, both wrong (different classes)
        Outputs ref = outputs(3, new float[] {1, 0, 0, 1, 0, 0, 0, 1, 0, 0, 1, 0});
        Outputs got = outputs(3, new float[] {1, 0, 0, 0, 1, 0, 1, 0, 0, 0, 0, 1});
        Metrics m = Fidelity.compare(got, ref, Optional.of(new int[] {0, 0, 0, 0}));
        assertThat(m.top1Agreement()).hasValue(0.25);
        assertThat(m.discordance()).hasValue(0.5);
        assertThat(Fidelity.compare(got, ref, Optional.empty()).discordance()).isEmpty();
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
    void metricsAreComputedOnTheFinitePositionsAndAMismatchInFinitenessIsABreachNamingTheOutput() {
        Outputs ref = outputs(0, new float[] {1, 2, 3}, new float[] {5, 6});
        Outputs got = outputs(0, new float[] {1, 2, 3}, new float[] {Float.POSITIVE_INFINITY, 6});
        Metrics m = Fidelity.compare(got, ref, Optional.empty());
        assertThat(m.maxAbsError()).isZero();
        assertThat(m.cosine()).isEqualTo(1.0);
        var check = NonFinite.check(got, ref);
        assertThat(check.passed()).isFalse();
        assertThat(check.measured()).isEqualTo(1);
        assertThat(check.text()).contains("output 'y1'", "1 value", "first at index 0", "Infinity");
        assertThat(CheckTexts.breach(check)).contains("output 'y1'");
        // a value that was NaN in the original and is finite now is a breach too
        Outputs nanRef = outputs(0, new float[] {Float.NaN, 1, Float.NaN, Float.NaN});
        Outputs fixed = outputs(0, new float[] {Float.NaN, 1, 0, 0});
        var reverse = NonFinite.check(fixed, nanRef);
        assertThat(reverse.passed()).isFalse();
        assertThat(reverse.measured()).isEqualTo(2);
        assertThat(reverse.text()).contains("output 'y0'", "2 values", "first at index 2");
    }

    @Test
    void whenNoPositionIsFiniteInBothTheMetricsAreNotAMeasurement() {
        Outputs ref = outputs(0, new float[] {1, 2});
        Outputs got = outputs(0, new float[] {Float.POSITIVE_INFINITY, Float.NaN});
        Metrics m = Fidelity.compare(got, ref, Optional.empty());
        assertThat(m.cosine()).isNaN();
        assertThat(m.maxAbsError()).isNaN();
        // all-NaN outputs that stayed all-NaN are agreement, not a missing measurement
        Outputs nan = outputs(0, new float[] {Float.NaN, Float.NaN});
        assertThat(Fidelity.compare(nan, nan, Optional.empty()).cosine()).isEqualTo(1.0);
    }

    @Test
    void nanAtTheSamePositionsAsTheOriginalIsEqual() {
        Outputs ref = outputs(2, new float[] {Float.NaN, 1, 2, Float.NEGATIVE_INFINITY});
        Outputs got = outputs(2, new float[] {Float.NaN, 1.5f, 2, Float.NEGATIVE_INFINITY});
        Metrics m = Fidelity.compare(got, ref, Optional.empty());
        assertThat(m.maxAbsError()).isCloseTo(0.5, within(1e-9));
        assertThat(m.cosine()).isFinite().isLessThan(1.0);
        assertThat(NonFinite.check(got, ref).passed()).isTrue();
        assertThat(NonFinite.check(ref, ref).passed()).isTrue();
        assertThat(ref.maxAbs()).isEqualTo(2.0);
        // the opposite infinity is not the same value
        Outputs flipped = outputs(2, new float[] {Float.NaN, 1, 2, Float.POSITIVE_INFINITY});
        assertThat(NonFinite.check(flipped, ref).passed()).isFalse();
    }

    @Test
    void aCheckOnANonFiniteMeasurementNeverHoldsAndSaysItCouldNotBeMeasured() {
        assertThat(dev.onnxpress.dsl.Check.Comparison.LE.holds(Double.NaN, 1e9)).isFalse();
        assertThat(dev.onnxpress.dsl.Check.Comparison.GE.holds(Double.NaN, 0.99)).isFalse();
        var c = new dev.onnxpress.report.PipelineReport.CheckResult("cosine >= 0.99", "cosine", "original", ">=",
                0.99, Double.NaN, false);
        assertThat(CheckTexts.breach(c)).contains("could not be measured", "NaN");
    }

    @Test
    void flatReferenceOutputsAreNamed() {
        Outputs flat = outputs(0, new float[] {1e-7f, 2e-7f, 0}, new float[] {1, 2, 3});
        assertThat(FlatOutputs.warnings(flat, "random probes")).singleElement().asString()
                .contains("'y0'", "(near-)zero", "real data");
        Outputs constant = outputs(0, new float[] {5, 5, 5.000001f});
        assertThat(FlatOutputs.warnings(constant, "random probes")).singleElement().asString()
                .contains("'y0'", "(near-)constant");
        assertThat(FlatOutputs.warnings(outputs(0, new float[] {0.1f, 0.5f}), "x")).isEmpty();
    }

    @Test
    void breachTextNamesTheFailedComparison() {
        var c = new dev.onnxpress.report.PipelineReport.CheckResult("top1_agreement >= 0.98", "top1_agreement",
                "original", ">=", 0.98, 0.912, false);
        assertThat(CheckTexts.breach(c)).isEqualTo("top1_agreement 0.912 < 0.98");
        var p = new dev.onnxpress.report.PipelineReport.CheckResult("max_abs_error vs previous <= 0", "max_abs_error",
                "previous", "<=", 0, 3.814697265625e-6, false);
        assertThat(CheckTexts.breach(p)).isEqualTo("max_abs_error vs previous 3.8147e-06 > 0");
    }
}
