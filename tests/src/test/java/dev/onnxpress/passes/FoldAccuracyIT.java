package dev.onnxpress.passes;

import dev.onnxpress.analysis.OutputMetrics;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.onnxpress.data.IdxFile;
import dev.onnxpress.ir.Model;
import dev.onnxpress.ir.ModelReader;
import dev.onnxpress.ir.ModelWriter;
import dev.onnxpress.ir.Tensor;
import dev.onnxpress.ort.OrtRunner;
import dev.onnxpress.passes.fold.batchnorm.FoldBatchNormOptions;
import dev.onnxpress.passes.fold.batchnorm.FoldBatchNormPass;
import dev.onnxpress.passes.fold.constants.FoldConstantsOptions;
import dev.onnxpress.passes.fold.constants.FoldConstantsPass;
import dev.onnxpress.passes.fold.scalebias.FuseScaleBiasOptions;
import dev.onnxpress.passes.fold.scalebias.FuseScaleBiasPass;
import dev.onnxpress.testing.DatalessContext;
import dev.onnxpress.testing.SharedFiles;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** fold_batchnorm + fold_constants + fuse_scale_bias on vgg_bn_fashion: accuracy on the full 10k test set. */
class FoldAccuracyIT {
    static final PassContext NO_DATA = new DatalessContext("no data sets here", 1);

    @Test
    void vggBnAccuracyDoesNotMoveByMoreThanOneImage() {
        Model m = ModelReader.read(SharedFiles.model("vgg_bn_fashion"));
        byte[] original = ModelWriter.toBytes(m);
        new FoldBatchNormPass().run(m, new FoldBatchNormOptions(true), NO_DATA);
        new FoldConstantsPass().run(m, new FoldConstantsOptions(1 << 20), NO_DATA);
        new FuseScaleBiasPass().run(m, new FuseScaleBiasOptions(), NO_DATA);
        assertEquals(0, m.graph().opHistogram().getOrDefault("BatchNormalization", 0));
        byte[] images = IdxFile.read(SharedFiles.data("fashion-mnist/t10k-images-idx3-ubyte.gz"), "images").rawBytes();
        long[] labels = IdxFile.read(SharedFiles.data("fashion-mnist/t10k-labels-idx1-ubyte.gz"), "labels").toLongArray();
        int n = labels.length;
        int batch = 500;
        int correctBefore = 0;
        int correctAfter = 0;
        int agree = 0;
        try (OrtRunner before = OrtRunner.open(original); OrtRunner after = OrtRunner.open(ModelWriter.toBytes(m))) {
            for (int start = 0; start < n; start += batch) {
                int b = Math.min(batch, n - start);
                float[] x = new float[b * 784];
                for (int i = 0; i < x.length; i++) {
                    x[i] = (images[start * 784 + i] & 0xff) / 255f;
                }
                Map<String, Tensor> feed = Map.of("input", Tensor.ofFloats(new long[] {b, 1, 28, 28}, x));
                float[] l0 = before.run(feed).get("logits").toFloatArray();
                float[] l1 = after.run(feed).get("logits").toFloatArray();
                for (int k = 0; k < b; k++) {
                    int a0 = argmax(l0, k * 10);
                    int a1 = argmax(l1, k * 10);
                    correctBefore += a0 == labels[start + k] ? 1 : 0;
                    correctAfter += a1 == labels[start + k] ? 1 : 0;
                    agree += a0 == a1 ? 1 : 0;
                }
            }
        }
        assertEquals(10000, n);
        assertEquals(9330, correctBefore, "the shared model's documented accuracy");
        assertTrue(Math.abs(correctAfter - correctBefore) <= 1,
                "accuracy moved from " + correctBefore + " to " + correctAfter + " (argmax agreement " + agree + ")");
    }

    private static int argmax(float[] v, int off) {
        return OutputMetrics.argmax(v, off, 10);
    }
}
