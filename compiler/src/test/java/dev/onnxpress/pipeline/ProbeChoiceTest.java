package dev.onnxpress.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.onnxpress.data.DataSets;
import dev.onnxpress.data.ModelSignature;
import dev.onnxpress.ir.DataType;
import dev.onnxpress.ir.Tensor;
import dev.onnxpress.ort.IoInfo;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ProbeChoiceTest {
    @Test
    void imageLikeInputsAreFloatRankFourWithOneOrThreeChannelsFirstOrLast() {
        assertThat(ProbeChoice.channelAxis(new IoInfo("x", DataType.FLOAT, new long[] {-1, 3, 224, 224}))).isEqualTo(1);
        assertThat(ProbeChoice.channelAxis(new IoInfo("x", DataType.FLOAT, new long[] {1, 64, 64, 3}))).isEqualTo(3);
        assertThat(ProbeChoice.channelAxis(new IoInfo("x", DataType.FLOAT, new long[] {1, 1, 28, 28}))).isEqualTo(1);
        assertThat(ProbeChoice.channelAxis(new IoInfo("x", DataType.FLOAT, new long[] {1, 784}))).isEqualTo(-1);
        assertThat(ProbeChoice.channelAxis(new IoInfo("x", DataType.INT64, new long[] {1, 3, 8, 8}))).isEqualTo(-1);
    }

    @Test
    void imagenetNormalisationIsPerChannelOnTheSameProbes() {
        ModelSignature sig = new ModelSignature(List.of(new IoInfo("x", DataType.FLOAT, new long[] {1, 3, 2, 2})),
                List.of());
        var base = DataSets.randomProbes(1, 0, Map.of());
        Tensor u = base.batches(sig, 1).get(0).feeds().get("x");
        Tensor signed = ProbeChoice.normalised(base, ProbeChoice.Normalisation.SIGNED).batches(sig, 1).get(0)
                .feeds().get("x");
        Tensor imagenet = ProbeChoice.normalised(base, ProbeChoice.Normalisation.IMAGENET).batches(sig, 1).get(0)
                .feeds().get("x");
        float[] a = u.toFloatArray();
        float[] s = signed.toFloatArray();
        float[] n = imagenet.toFloatArray();
        double[] mean = {0.485, 0.456, 0.406};
        double[] std = {0.229, 0.224, 0.225};
        for (int i = 0; i < a.length; i++) {
            int c = i / 4;
            assertThat((double) s[i]).isCloseTo(2 * a[i] - 1, within(1e-6));
            assertThat((double) n[i]).isCloseTo((a[i] - mean[c]) / std[c], within(1e-5));
        }
    }

    @Test
    void varianceSumsOverOutputsIgnoringNonFiniteValues() {
        Outputs o = FidelityTest.outputs(0, new float[] {1, 3, Float.NaN}, new float[] {2, 2});
        assertThat(ProbeChoice.variance(o)).isCloseTo(1.0, within(1e-12));
    }
}
