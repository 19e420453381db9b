package dev.onnxpress.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.OptionalDouble;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class ReportFormatTest {
    private final ReportFormat f = ReportFormat.unicode();
    private final ReportFormat a = ReportFormat.ascii();

    @Test
    void bytesUseDecimalUnitsWithThreeSignificantDigits() {
        assertThat(f.bytes(0)).isEqualTo("0 B");
        assertThat(f.bytes(999)).isEqualTo("999 B");
        assertThat(f.bytes(1_000)).isEqualTo("1.00 KB");
        assertThat(f.bytes(45_230)).isEqualTo("45.2 KB");
        assertThat(f.bytes(61_234_567)).isEqualTo("61.2 MB");
        assertThat(f.bytes(123_456_789)).isEqualTo("123 MB");
        assertThat(f.bytes(1_200_000_000L)).isEqualTo("1.20 GB");
    }

    @Test
    void countsAndMacs() {
        assertThat(f.count(950)).isEqualTo("950");
        assertThat(f.count(12_500)).isEqualTo("12.5K");
        assertThat(f.count(1_234_567)).isEqualTo("1.23M");
        assertThat(f.macs(OptionalLong.of(313_000_000))).isEqualTo("313M");
        assertThat(f.macs(OptionalLong.of(4_100_000_000L))).isEqualTo("4.10G");
        assertThat(f.macs(OptionalLong.empty())).isEqualTo("\u2013");
        assertThat(a.macs(OptionalLong.empty())).isEqualTo("-");
    }

    @Test
    void errorsInScientificNotationAndNonFiniteShown() {
        assertThat(f.error(1.2345e-5)).isEqualTo("1.23e-05");
        assertThat(f.error(0)).isEqualTo("0");
        assertThat(f.error(Double.NaN)).isEqualTo("NaN");
        assertThat(f.error(Double.POSITIVE_INFINITY)).isEqualTo("inf");
        assertThat(f.cosine(0.9999871)).isEqualTo("0.999987");
    }

    @Test
    void percentagesChangesAndPoints() {
        assertThat(f.percent(0.93125)).isEqualTo("93.13%");
        assertThat(f.percent(OptionalDouble.empty())).isEqualTo("\u2013");
        assertThat(f.change(1000, 250)).isEqualTo("-75.0%");
        assertThat(f.change(1000, 1003)).isEqualTo("+0.3%");
        assertThat(f.change(1000, 1000)).isEqualTo("0.0%");
        assertThat(f.change(1000, 1000_0)).isEqualTo("+900.0%");
        assertThat(f.change(0, 5)).isEqualTo("\u2013");
        assertThat(f.points(0.9312, 0.9281)).isEqualTo("-0.31");
        assertThat(f.points(0.9, 0.90001)).isEqualTo("0.00");
    }

    @Test
    void latencyAndSpeedup() {
        assertThat(f.millis(0.8421)).isEqualTo("0.842 ms");
        assertThat(f.millis(12.44)).isEqualTo("12.4 ms");
        assertThat(f.millis(1234.4)).isEqualTo("1234 ms");
        assertThat(f.speedup(2.0, 1.0)).isEqualTo("2.00\u00d7");
        assertThat(a.speedup(2.0, 4.0)).isEqualTo("0.50x");
        assertThat(f.speedup(2.0, 0)).isEqualTo("\u2013");
        assertThat(f.speedup(Double.NaN, 1)).isEqualTo("\u2013");
        assertThat(f.seconds(135)).isEqualTo("2 min 15 s");
    }

    @Test
    void statisticsPrintLikeAPersonWouldWriteThem() {
        assertThat(f.number(3)).isEqualTo("3");
        assertThat(f.number(1024.0)).isEqualTo("1024");
        assertThat(f.number(0.125)).isEqualTo("0.125");
        assertThat(f.number(1.5e-7)).isEqualTo("1.500e-07");
        assertThat(f.number(Double.NaN)).isEqualTo("NaN");
    }

    @Test
    void asciiFormatHasOnlyAscii() {
        String all = a.check(true) + a.check(false) + a.times() + a.arrow() + a.absent() + a.points(0.9, 0.8)
                + a.speedup(1, 2) + a.macs(OptionalLong.empty());
        assertThat(all.chars()).allMatch(c -> c < 128);
        assertThat(a.check(false)).isEqualTo("FAIL");
        assertThat(f.check(false)).isEqualTo("\u2717");
    }
}
