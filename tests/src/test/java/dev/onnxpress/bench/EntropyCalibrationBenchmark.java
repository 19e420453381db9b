package dev.onnxpress.bench;

import dev.onnxpress.quant.EntropyVsMinmax;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * minmax vs entropy calibration of quantize_int8 (after fold_batchnorm) on every shared labelled model
 * and the residual net, per-channel weights and not, 500 calibration images, the full 10k test set.
 * Prints one line per case and the largest loss of entropy against minmax. Not a test: run it by name.
 */
class EntropyCalibrationBenchmark {
    @Test
    void entropyVsMinmaxOnTheFullTestSets() {
        List<EntropyVsMinmax.Accuracies> rows = new ArrayList<>();
        for (String name : EntropyVsMinmax.SHARED) {
            byte[] model = EntropyVsMinmax.shared(name);
            for (boolean perChannel : new boolean[] {true, false}) {
                rows.add(EntropyVsMinmax.compare(name, model, EntropyVsMinmax.calibration(name, 500),
                        EntropyVsMinmax.test(name, 0), perChannel));
                System.out.println(rows.get(rows.size() - 1));
            }
        }
        byte[] residual = EntropyVsMinmax.residual();
        for (boolean perChannel : new boolean[] {true, false}) {
            rows.add(EntropyVsMinmax.compare("residual", residual, EntropyVsMinmax.calibration("residual", 500),
                    EntropyVsMinmax.test("residual", 0), perChannel));
            System.out.println(rows.get(rows.size() - 1));
        }
        System.out.printf("largest entropy loss vs minmax: %.2f points%n",
                100 * rows.stream().mapToDouble(EntropyVsMinmax.Accuracies::entropyLoss).max().orElseThrow());
    }
}
