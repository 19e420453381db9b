package dev.onnxpress.quant;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Entropy (KL) calibration is never more than 0.3 points worse than minmax, on the shared labelled models
 * and on a residual net (Conv-BN-Relu blocks with identity Adds, BN folded first), per-channel weights or
 * not (per-tensor weights only on the residual net here; every combination on the full 10k test set is in
 * EntropyCalibrationBenchmark). 256 calibration images; test images: see {@link #TEST}.
 */
class EntropyCalibrationIT {
    static final int CALIB = 256;
    /** The small models are tested on all 10,000 images (on 2,000, minmax and entropy differ by ±0.3 points of noise). */
    static final int TEST = 0;
    /** The two slower models, whose margins are wide, on the first 2,000. */
    static final int TEST_SLOW = 2000;

    @ParameterizedTest
    @ValueSource(strings = {"mnist_cnn", "lenet5_fashion", "lenet300_fashion", "vgg_bn_fashion"})
    void sharedModels(String name) {
        check(EntropyVsMinmax.compare(name, EntropyVsMinmax.shared(name), EntropyVsMinmax.calibration(name, CALIB),
                EntropyVsMinmax.test(name, name.equals("mnist_cnn") || name.equals("vgg_bn_fashion") ? TEST_SLOW : TEST),
                true));
    }

    @Test
    void residualNet() {
        byte[] model = EntropyVsMinmax.residual();
        for (boolean perChannel : new boolean[] {true, false}) {
            EntropyVsMinmax.Accuracies a = EntropyVsMinmax.compare("residual", model,
                    DataContext.fashionCalibration(CALIB), DataContext.fashionTest(TEST), perChannel);
            assertTrue(a.floatAcc() > 0.7, "the residual net's head is fitted: " + a);
            check(a);
        }
    }

    private static void check(EntropyVsMinmax.Accuracies a) {
        System.out.println(a);
        assertTrue(a.entropyLoss() <= 0.003, a.toString());
    }
}
