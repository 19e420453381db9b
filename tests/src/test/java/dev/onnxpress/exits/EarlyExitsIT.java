package dev.onnxpress.exits;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.onnxpress.data.Batch;
import dev.onnxpress.ir.Model;
import dev.onnxpress.ir.ModelReader;
import dev.onnxpress.ir.ModelWriter;
import dev.onnxpress.ir.Tensor;
import dev.onnxpress.ort.OrtRunner;
import dev.onnxpress.passes.DataRef;
import dev.onnxpress.passes.NodeSelector;
import dev.onnxpress.passes.PassContext;
import dev.onnxpress.passes.PassException;
import dev.onnxpress.passes.PassResult;
import dev.onnxpress.passes.PassOptions;
import dev.onnxpress.passes.exits.AddEarlyExitsOptions;
import dev.onnxpress.passes.exits.AddEarlyExitsPass;
import dev.onnxpress.passes.fold.batchnorm.FoldBatchNormOptions;
import dev.onnxpress.passes.fold.batchnorm.FoldBatchNormPass;
import dev.onnxpress.passes.prune.channels.PruneChannelsOptions;
import dev.onnxpress.passes.prune.channels.PruneChannelsPass;
import dev.onnxpress.passes.quant.CalibrationMethod;
import dev.onnxpress.passes.quant.int8.QuantizeInt8Options;
import dev.onnxpress.passes.quant.int8.QuantizeInt8Pass;
import dev.onnxpress.testing.DatalessContext;
import dev.onnxpress.testing.SharedFiles;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** add_early_exits on the shared classifiers: the emitted If really gates, outputs keep their interface. */
class EarlyExitsIT {
    static final DataRef CALIB = new DataRef("calib");

    static Model load(String name) {
        return ModelReader.read(SharedFiles.model(name));
    }

    /** Original output name, dtype and [N, K] shape survive; the model holds an If; accuracy stays close. */
    static PassResult checkExits(String name, Model m, PassContext ctx, AddEarlyExitsOptions o, List<Batch> eval,
            double maxDropPoints) {
        byte[] before = ModelWriter.toBytes(m);
        double accBefore = ExitData.accuracy(before, eval);
        PassResult r = new AddEarlyExitsPass().run(m, o, ctx);
        assertTrue(r.changed(), name + ": " + r);
        byte[] after = ModelWriter.toBytes(m);
        assertTrue(m.graph().nodes().stream().anyMatch(n -> n.is("If")), name);
        try (OrtRunner a = OrtRunner.open(before); OrtRunner b = OrtRunner.open(after)) {
            assertEquals(a.outputNames(), b.outputNames(), name);
            Map<String, Tensor> feeds = eval.get(0).feeds();
            Tensor ya = a.run(feeds).get(a.outputNames().get(0));
            Tensor yb = b.run(feeds).get(b.outputNames().get(0));
            assertEquals(ya.dataType(), yb.dataType(), name);
            assertEquals(List.of(ya.dims()[0], ya.dims()[1]), List.of(yb.dims()[0], yb.dims()[1]), name);
        }
        double accAfter = ExitData.accuracy(after, eval);
        System.out.printf("%s: accuracy %.4f → %.4f, %s%n", name, accBefore, accAfter, r.statistics());
        assertTrue(accAfter >= accBefore - maxDropPoints / 100, name + " accuracy " + accBefore + " → " + accAfter);
        assertTrue(r.statistics().get("macs_expected").doubleValue() < r.statistics().get("macs_full").doubleValue(),
                name + " " + r.statistics());
        return r;
    }

    @Test
    void vggAutoExitsKeepAccuracy() {
        Model m = load("vgg_bn_fashion");
        byte[] bytes = ModelWriter.toBytes(m);
        List<Batch> calib = ExitData.batches(bytes, ExitData.idx("fashion-mnist", "calib2k", 2000), 100);
        List<Batch> eval = ExitData.batches(bytes, ExitData.idx("fashion-mnist", "t10k", 1000), 1);
        checkExits("vgg_bn_fashion", m, ExitData.context(calib), AddEarlyExitsOptions.auto(2, CALIB, 0.005), eval,
                1.5);
    }

    @Test
    void aDetectorIsNotAClassifierAndIsRefusedAtOnce() {
        // yolox_nano's output is [1, 3549, 85]: treating every value as a class made the head fit run for hours
        Model m = load("yolox_nano");
        PassException e = assertThrows(PassException.class, () -> new AddEarlyExitsPass().run(m,
                AddEarlyExitsOptions.auto(1, CALIB, 0.01), new DatalessContext("the rank check comes first", 1)));
        assertTrue(e.getMessage().contains("classifier output [N, classes]"), e.getMessage());
    }

    @Test
    void lenetNestedExitsAfterSelectedPools() {
        Model m = load("lenet5_fashion");
        byte[] bytes = ModelWriter.toBytes(m);
        List<Batch> calib = ExitData.batches(bytes, ExitData.idx("fashion-mnist", "calib2k", 2000), 100);
        List<Batch> eval = ExitData.batches(bytes, ExitData.idx("fashion-mnist", "t10k", 1000), 1);
        PassResult r = checkExits("lenet5_fashion", m, ExitData.context(calib),
                AddEarlyExitsOptions.of(List.of(NodeSelector.op("MaxPool")), CALIB, 0.01), eval, 2.5);
        assertTrue(r.statistics().get("exits_added").intValue() >= 1);
    }

    /** Thresholds of 0 never exit: the result equals the original model (the else-branch runs; float rounding aside). */
    @Test
    void zeroThresholdsReproduceTheOriginal() {
        Model m = load("lenet5_fashion");
        byte[] before = ModelWriter.toBytes(m);
        List<Batch> calib = ExitData.batches(before, ExitData.idx("fashion-mnist", "calib2k", 500), 100);
        long pools = m.graph().nodes().stream().filter(n -> n.is("MaxPool")).count();
        new AddEarlyExitsPass().run(m, AddEarlyExitsOptions.of(List.of(NodeSelector.op("MaxPool")), CALIB, 0.01)
                .withThresholds(java.util.Collections.nCopies((int) pools, 0.0)), ExitData.context(calib));
        try (OrtRunner a = OrtRunner.open(before); OrtRunner b = OrtRunner.open(ModelWriter.toBytes(m))) {
            Map<String, Tensor> feeds = calib.get(0).feeds();
            String out = a.outputNames().get(0);
            float[] ya = a.run(feeds).get(out).toFloatArray();
            float[] yb = b.run(feeds).get(out).toFloatArray();
            assertEquals(ya.length, yb.length);
            for (int i = 0; i < ya.length; i++) {
                assertEquals(ya[i], yb[i], 1e-4 * (1 + Math.abs(ya[i])), "element " + i);
            }
        }
    }

    /**
     * mnist_cnn has a fixed batch of 1 and no MNIST calibration file is shared: calibrate on the first 1500
     * MNIST test images and evaluate on the next 1000, disjoint from them.
     */
    @Test
    void mnistCnnCalibratedOnADisjointTestSplit() {
        Model m = load("mnist_cnn");
        byte[] bytes = ModelWriter.toBytes(m);
        List<Batch> all = ExitData.batches(bytes, ExitData.idx("mnist", "t10k", 2500), 1);
        checkExits("mnist_cnn", m, ExitData.context(all.subList(0, 1500)), AddEarlyExitsOptions.auto(1, CALIB, 0.005),
                all.subList(1500, 2500), 1.5);
    }

    /**
     * fold_batchnorm → prune_channels → add_early_exits composes; exits on an int8 QDQ model are refused
     * (ONNX Runtime's optimizer aborts the process that loads QuantizeLinear nodes inside If branches).
     */
    @Test
    void composesWithFoldAndPruneAndRefusesQuantizedActivations() {
        Model m = load("vgg_bn_fashion");
        byte[] bytes = ModelWriter.toBytes(m);
        List<Batch> calib = ExitData.batches(bytes, ExitData.idx("fashion-mnist", "calib2k", 1000), 100);
        List<Batch> eval = ExitData.batches(bytes, ExitData.idx("fashion-mnist", "t10k", 500), 1);
        PassContext ctx = ExitData.context(calib);
        double acc0 = ExitData.accuracy(bytes, eval);
        new FoldBatchNormPass().run(m, new FoldBatchNormOptions(false), ctx);
        assertTrue(new PruneChannelsPass().run(m, PruneChannelsOptions.of(PruneChannelsOptions.Criterion.l1, 0.1)
                .withCompensation(CALIB), ctx).changed());
        Model quantized = m.copy();
        checkExits("vgg fold+prune+exits", m, ctx, AddEarlyExitsOptions.auto(2, CALIB, 0.005), eval, 5);
        assertTrue(ExitData.accuracy(ModelWriter.toBytes(m), eval) > acc0 - 0.05);

        PassResult q = new QuantizeInt8Pass().run(quantized, PassOptions.of(QuantizeInt8Options.class,
                Map.of("calibration", CALIB)), ctx);
        assertTrue(q.changed(), q.toString());
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new AddEarlyExitsPass().run(quantized,
                        AddEarlyExitsOptions.auto(2, CALIB, 0.005), ctx))
                .isInstanceOf(dev.onnxpress.passes.PassException.class)
                .hasMessageContaining("QuantizeLinear").hasMessageContaining("float model");
    }
}
