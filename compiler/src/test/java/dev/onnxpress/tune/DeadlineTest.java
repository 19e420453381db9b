package dev.onnxpress.tune;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.onnxpress.error.UserException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * The --time contract, on an injected clock: an evaluation is started only when its predicted cost fits
 * before the reserve kept for the final run, and one still running at the reserve is abandoned (interrupted)
 * instead of waited for; the cost of an evaluation is predicted from the longest one of the same passes.
 */
class DeadlineTest {
    private final AtomicLong now = new AtomicLong();

    private Deadline deadline(double seconds) {
        return new Deadline(Duration.ofMillis((long) (seconds * 1000)), now::get);
    }

    private void advance(double seconds) {
        now.addAndGet((long) (seconds * 1e9));
    }

    @Test
    void anEvaluationStartsOnlyWhenItsPredictedCostFitsBeforeTheReserve() {
        Deadline d = deadline(100);
        d.reserve(20);
        advance(50);
        // 5 % of the limit is kept besides the reserve
        assertThat(d.availableSeconds()).isEqualTo(25.0);
        assertThat(d.allows(25)).isTrue();
        assertThat(d.allows(26)).isFalse();
        AtomicBoolean ran = new AtomicBoolean();
        assertThat(d.run(26, () -> {
            ran.set(true);
            return 1;
        })).isEmpty();
        assertThat(ran).isFalse();
        assertThat(d.run(5, () -> 7)).contains(7);
    }

    @Test
    void anEvaluationStillRunningAtTheReserveIsAbandonedAndInterrupted() throws Exception {
        Deadline d = deadline(100);
        d.reserve(5);
        advance(89.7); // 0.3 s before the reserve and margin on the injected clock
        CountDownLatch interrupted = new CountDownLatch(1);
        long t0 = System.nanoTime();
        Optional<Integer> r = d.run(0.1, () -> {
            try {
                Thread.sleep(30_000);
                return 1;
            } catch (InterruptedException e) {
                interrupted.countDown();
                return 2;
            }
        });
        double waited = (System.nanoTime() - t0) / 1e9;
        assertThat(r).isEmpty();
        assertThat(waited).isLessThan(5);
        assertThat(interrupted.await(5, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void whatTheWorkThrowsIsThrownToTheCaller() {
        Deadline d = deadline(100);
        assertThatThrownBy(() -> d.run(1, () -> {
            throw new UserException("bad step");
        })).isInstanceOf(UserException.class).hasMessage("bad step");
    }

    @Test
    void costsArePredictedFromTheLongestEvaluationOfTheSamePassesElseTheLongestOfAny() {
        Search.Costs c = new Search.Costs();
        assertThat(c.predict(List.of("fold_batchnorm()"))).isEqualTo(1);
        c.record(List.of("fold_batchnorm()"), 4);
        c.record(List.of("fold_batchnorm()", "prune_channels(ratio=0.3)"), 10);
        c.record(List.of("fold_batchnorm()", "prune_channels(ratio=0.5)"), 8);
        assertThat(c.predict(List.of("fold_batchnorm()", "prune_channels(ratio=0.7)"))).isCloseTo(11, within());
        assertThat(c.predict(List.of("fold_batchnorm()"))).isCloseTo(4.4, within());
        // a family never run before: as long as the longest run so far
        assertThat(c.predict(List.of("fold_batchnorm()", "add_early_exits(auto_count=1)"))).isEqualTo(10);
    }

    private static org.assertj.core.data.Offset<Double> within() {
        return org.assertj.core.data.Offset.offset(1e-9);
    }

    @Test
    void parsesDurations() {
        assertThat(Deadline.parse("90s")).isEqualTo(Duration.ofSeconds(90));
        assertThat(Deadline.parse("1h30m")).isEqualTo(Duration.ofMinutes(90));
        assertThatThrownBy(() -> Deadline.parse("soon")).isInstanceOf(UserException.class);
    }
}
