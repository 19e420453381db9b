package dev.onnxpress.tune;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.onnxpress.error.UserException;
import org.junit.jupiter.api.Test;

class DataSplitTest {
    @Test
    void splitsIntoDisjointSlicesThatCoverTheData() {
        for (int n : new int[] {5, 6, 17, 100, 999, 1000, 10_000, 60_000}) {
            DataSplit s = DataSplit.of(n);
            assertThat(s.calibrationCount()).isPositive();
            assertThat(s.selectionCount()).isPositive();
            assertThat(s.heldOutCount()).isPositive();
            assertThat(s.calibrationSkip()).isZero();
            assertThat(s.selectionSkip()).isEqualTo(s.calibrationCount());
            assertThat(s.heldOutSkip()).isEqualTo(s.calibrationCount() + s.selectionCount());
            assertThat(s.heldOutSkip() + s.heldOutCount()).isEqualTo(n);
            assertThat(s.calibrationCount()).isLessThanOrEqualTo(DataSplit.MAX_CALIBRATION);
            assertThat(s.selectionCount()).isLessThanOrEqualTo(DataSplit.MAX_SELECTION);
            assertThat(s.heldOutCount()).isGreaterThanOrEqualTo(n * 2 / 5);
            assertThat(DataSplit.of(n)).isEqualTo(s);
        }
        DataSplit t10k = DataSplit.of(10_000);
        assertThat(t10k.calibrationCount()).isEqualTo(2000);
        assertThat(t10k.selectionCount()).isEqualTo(DataSplit.MAX_SELECTION);
        assertThat(t10k.heldOutCount()).isEqualTo(5500);
        DataSplit t1k = DataSplit.of(1000);
        assertThat(t1k.selectionCount()).isEqualTo(400);
        assertThat(t1k.heldOutCount()).isEqualTo(400);
        assertThat(DataSplit.of(60_000).calibrationCount()).isEqualTo(DataSplit.MAX_CALIBRATION);
    }

    @Test
    void tooFewSamplesIsAUserError() {
        assertThatThrownBy(() -> DataSplit.of(4)).isInstanceOf(UserException.class)
                .hasMessageStartingWith("--data holds 4 samples; tune needs at least 5");
    }
}
