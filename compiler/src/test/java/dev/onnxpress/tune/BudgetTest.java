package dev.onnxpress.tune;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.onnxpress.error.UserException;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class BudgetTest {
    static Measurement m(double accuracy, double cosine, double top1) {
        return new Measurement(100, 10, 1, accuracy, cosine, top1, 0, Optional.empty());
    }

    @Test
    void parsesPointsCosineAndTop1() {
        assertThat(Budget.parse("1pt")).isEqualTo(new Budget(Budget.Kind.POINTS, 1));
        assertThat(Budget.parse(" 0.5PT ")).isEqualTo(new Budget(Budget.Kind.POINTS, 0.5));
        assertThat(Budget.parse("0.999cos")).isEqualTo(new Budget(Budget.Kind.COSINE, 0.999));
        assertThat(Budget.parse("0.98top1")).isEqualTo(new Budget(Budget.Kind.TOP1, 0.98));
        assertThat(Budget.parse("1pt").needsLabels()).isTrue();
        assertThat(Budget.parse("0.999cos").needsLabels()).isFalse();
    }

    @Test
    void rejectsWhatIsNotABudgetInOneLine() {
        assertThatThrownBy(() -> Budget.parse("1")).isInstanceOf(UserException.class).hasMessageContaining("1pt");
        assertThatThrownBy(() -> Budget.parse("xpt")).isInstanceOf(UserException.class)
                .hasMessage("--budget xpt: 'x' is not a number");
        assertThatThrownBy(() -> Budget.parse("1.5cos")).isInstanceOf(UserException.class)
                .hasMessageContaining("between 0 and 1");
        assertThatThrownBy(() -> Budget.parse("-1pt")).isInstanceOf(UserException.class);
    }

    @Test
    void lossesAndLimitsAreInTheBudgetsUnits() {
        Measurement original = m(0.90, 1, 1);
        Budget pts = Budget.parse("1pt");
        assertThat(pts.loss(m(0.8925, 0.99, 0.97), original)).isCloseTo(0.75, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(pts.holds(0.75)).isTrue();
        assertThat(pts.holds(1.01)).isFalse();
        assertThat(pts.check()).isEqualTo("accuracy max_drop 1%");
        Budget cos = Budget.parse("0.999cos");
        assertThat(cos.limit()).isCloseTo(0.001, org.assertj.core.data.Offset.offset(1e-12));
        assertThat(cos.holds(cos.loss(m(Double.NaN, 0.9995, 1), original))).isTrue();
        assertThat(cos.holds(cos.loss(m(Double.NaN, 0.998, 1), original))).isFalse();
        assertThat(cos.check()).isEqualTo("cosine >= 0.999");
        Budget top1 = Budget.parse("0.98top1");
        assertThat(top1.loss(m(Double.NaN, 1, 0.97), original)).isCloseTo(0.03, org.assertj.core.data.Offset.offset(1e-12));
        assertThat(top1.check()).isEqualTo("top1_agreement >= 0.98");
        // a failed candidate, or a metric that could not be measured, is never within a budget
        assertThat(pts.loss(Measurement.failed("boom", 1), original)).isInfinite();
        assertThat(top1.loss(m(0.9, 1, Double.NaN), original)).isInfinite();
    }
}
