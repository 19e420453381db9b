package dev.onnxpress.quant;

import dev.onnxpress.ir.Model;
import dev.onnxpress.ir.ModelReader;
import dev.onnxpress.ir.ModelWriter;
import dev.onnxpress.passes.DataRef;
import dev.onnxpress.passes.NodeSelector;
import dev.onnxpress.passes.PassContext;
import dev.onnxpress.passes.PassResult;
import dev.onnxpress.passes.PassOptions;
import dev.onnxpress.passes.fold.batchnorm.FoldBatchNormOptions;
import dev.onnxpress.passes.fold.batchnorm.FoldBatchNormPass;
import dev.onnxpress.passes.quant.CalibrationMethod;
import dev.onnxpress.passes.quant.binary.QuantizeBinaryOptions;
import dev.onnxpress.passes.quant.binary.QuantizeBinaryPass;
import dev.onnxpress.passes.quant.int8.QuantizeInt8Options;
import dev.onnxpress.passes.quant.int8.QuantizeInt8Pass;
import dev.onnxpress.passes.quant.ternary.QuantizeTernaryOptions;
import dev.onnxpress.passes.quant.ternary.QuantizeTernaryPass;
import java.util.Map;
import java.util.Optional;

/** The pipelines the quantization tests and the benchmark run: fold_batchnorm, then one quantizer. */
public final class QuantRecipes {
    /** Name of the calibration data set the contexts serve. */
    public static final DataRef CALIB = new DataRef("calib");

    /** A quantized model and what the quantizer reported. */
    public record Quantized(Model model, byte[] bytes, PassResult result) {
    }

    private QuantRecipes() {
    }

    /** The model with BatchNormalization folded (what a recipe runs before quantizing). */
    public static Model folded(byte[] original, PassContext ctx) {
        Model m = ModelReader.read(original, Optional.empty(), "model");
        new FoldBatchNormPass().run(m, new FoldBatchNormOptions(true), ctx);
        return m;
    }

    public static Quantized int8(byte[] original, PassContext ctx, CalibrationMethod method, Optional<Double> maxDrop) {
        Model m = folded(original, ctx);
        PassResult r = new QuantizeInt8Pass().run(m, PassOptions.of(QuantizeInt8Options.class, Map.of("calibration", CALIB,
                "method", method, "max_drop", maxDrop)), ctx);
        return new Quantized(m, ModelWriter.toBytes(m), r);
    }

    public static Quantized ternary(byte[] original, PassContext ctx, boolean refit) {
        Model m = folded(original, ctx);
        PassResult r = new QuantizeTernaryPass().run(m, new QuantizeTernaryOptions(NodeSelector.ALL, 0.7, true, refit,
                Optional.of(CALIB), true), ctx);
        return new Quantized(m, ModelWriter.toBytes(m), r);
    }

    public static Quantized binary(byte[] original, PassContext ctx, boolean refit) {
        Model m = folded(original, ctx);
        PassResult r = new QuantizeBinaryPass().run(m, new QuantizeBinaryOptions(NodeSelector.ALL, true, refit,
                Optional.of(CALIB), true), ctx);
        return new Quantized(m, ModelWriter.toBytes(m), r);
    }
}
