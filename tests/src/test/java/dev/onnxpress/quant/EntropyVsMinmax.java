package dev.onnxpress.quant;

import dev.onnxpress.data.DataSet;
import dev.onnxpress.ir.Model;
import dev.onnxpress.ir.ModelWriter;
import dev.onnxpress.ort.OptimizationLevel;
import dev.onnxpress.passes.NodeSelector;
import dev.onnxpress.passes.PassContext;
import dev.onnxpress.passes.PassOptions;
import dev.onnxpress.passes.quant.CalibrationMethod;
import dev.onnxpress.passes.quant.int8.QuantizeInt8Options;
import dev.onnxpress.passes.quant.int8.QuantizeInt8Pass;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** fold_batchnorm then quantize_int8 with minmax and with entropy calibration: test accuracy of each. */
public final class EntropyVsMinmax {
    /** Accuracies (0..1) of the float model and the two int8 models on the same test images. */
    public record Accuracies(String model, boolean perChannel, double floatAcc, double minmax, double entropy) {
        public double entropyLoss() {
            return minmax - entropy;
        }

        @Override
        public String toString() {
            return String.format("%s per_channel=%s: float %.4f minmax %.4f entropy %.4f", model, perChannel,
                    floatAcc, minmax, entropy);
        }
    }

    private EntropyVsMinmax() {
    }

    /** Shared labelled models: mnist_cnn is calibrated and tested on MNIST, the others on Fashion-MNIST. */
    public static final List<String> SHARED = List.of("mnist_cnn", "lenet5_fashion", "lenet300_fashion", "vgg_bn_fashion");

    public static DataSet calibration(String model, int count) {
        return model.equals("mnist_cnn") ? DataContext.mnistTest(count) : DataContext.fashionCalibration(count);
    }

    public static DataSet test(String model, int count) {
        return model.equals("mnist_cnn") ? DataContext.mnistTest(count) : DataContext.fashionTest(count);
    }

    public static byte[] shared(String model) {
        return QuantBench.read(model);
    }

    /** The residual net of {@link ResidualNet}, its head fitted on the 2,000 Fashion calibration images. */
    public static byte[] residual() {
        return ResidualNet.fitted(5, DataContext.fashionCalibration(2000));
    }

    public static Accuracies compare(String name, byte[] original, DataSet calib, DataSet test, boolean perChannel) {
        PassContext ctx = new DataContext("calib", calib, QuantRecipes.folded(original, ProbeContext.of(List.of())), 64);
        double floatAcc = DataContext.accuracy(original, test, OptimizationLevel.ALL);
        double minmax = DataContext.accuracy(int8(original, ctx, CalibrationMethod.minmax, perChannel), test,
                OptimizationLevel.ALL);
        double entropy = DataContext.accuracy(int8(original, ctx, CalibrationMethod.entropy, perChannel), test,
                OptimizationLevel.ALL);
        return new Accuracies(name, perChannel, floatAcc, minmax, entropy);
    }

    static byte[] int8(byte[] original, PassContext ctx, CalibrationMethod method, boolean perChannel) {
        Model m = QuantRecipes.folded(original, ctx);
        new QuantizeInt8Pass().run(m, PassOptions.of(QuantizeInt8Options.class,
                Map.of("calibration", QuantRecipes.CALIB, "method", method, "per_channel", perChannel)), ctx);
        return ModelWriter.toBytes(m);
    }
}
