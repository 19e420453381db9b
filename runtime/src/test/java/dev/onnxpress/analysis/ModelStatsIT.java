package dev.onnxpress.analysis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.onnxpress.ir.DataType;
import dev.onnxpress.ir.Model;
import dev.onnxpress.ir.ModelReader;
import dev.onnxpress.testing.SharedFiles;
import org.junit.jupiter.api.Test;

class ModelStatsIT {

    @Test
    void lenet5MatchesItsSourceNote() {
        Model m = ModelReader.read(SharedFiles.model("lenet5_fashion"));
        ModelStats s = ModelStats.of(m);
        // SOURCE.txt: 431,080 float32 parameters, 8 nodes (Conv 2, MaxPool 2, Gemm 2, Flatten 1, Relu 1)
        assertThat(s.parameters()).isEqualTo(431_080);
        assertThat(s.weightBytes()).containsExactly(java.util.Map.entry(DataType.FLOAT, 4L * 431_080));
        assertThat(s.nodes()).isEqualTo(8);
        assertThat(s.ops()).containsEntry("Conv", 2).containsEntry("MaxPool", 2).containsEntry("Gemm", 2)
                .containsEntry("Flatten", 1).containsEntry("Relu", 1);
        assertThat(s.inputs().get(0).describe()).isEqualTo("float[batch,1,28,28]");
        assertThat(s.outputs().get(0).describe()).isEqualTo("float[batch,10]");

        // Conv1 [1,1,28,28] * [20,1,5,5] -> [1,20,24,24]: 20·576·25       =   288,000
        // Conv2 [1,20,12,12] * [50,20,5,5] -> [1,50,8,8]: 50·64·(20·25)   = 1,600,000
        // Gemm 800 -> 500: 400,000;  Gemm 500 -> 10: 5,000
        Macs macs = Macs.estimate(m).orElseThrow();
        assertThat(macs.perNode()).extracting(Macs.NodeMacs::macs)
                .containsExactly(288_000L, 1_600_000L, 400_000L, 5_000L);
        assertThat(macs.total()).isEqualTo(2_293_000);
    }

    @Test
    void vggBnCountsGammaAndBetaButNotRunningStatistics() {
        ModelStats s = ModelStats.of(ModelReader.read(SharedFiles.model("vgg_bn_fashion")));
        // SOURCE.txt: 288,170 parameters; the 2 × 448 running means and variances add 896 elements of weights
        assertThat(s.parameters()).isEqualTo(288_170);
        assertThat(s.weightBytes().get(DataType.FLOAT)).isEqualTo(4L * (288_170 + 896));
        assertThat(s.nodes()).isEqualTo(24);
    }

    @Test
    void vggBnMacs() {
        // 3x3 convs, pad 1, batch 1: 28²·32·9 + 28²·32·288 + 14²·64·288 + 14²·64·576 + 7²·128·576
        //   + 7²·128·1152 + Gemm 128·10 = 29,128,448
        Macs macs = Macs.estimate(ModelReader.read(SharedFiles.model("vgg_bn_fashion"))).orElseThrow();
        assertThat(macs.total()).isEqualTo(29_128_448L);
        assertThat(macs.perNode()).hasSize(7);
    }
}
