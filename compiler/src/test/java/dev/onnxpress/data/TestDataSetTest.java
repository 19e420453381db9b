package dev.onnxpress.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.onnxpress.ir.DataType;
import dev.onnxpress.ir.Tensor;
import dev.onnxpress.ort.IoInfo;
import dev.onnxpress.ort.OrtRunner;
import dev.onnxpress.ort.TensorProtos;
import dev.onnxpress.testing.SharedFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TestDataSetTest {

    @Test
    void ultrafaceTestDataMatchesTheModelWithinOneEMinus4() {
        Path modelDir = SharedFiles.modelDir("ultraface_rfb640");
        DataSet d = DataSets.onnxTestData("ref", modelDir.resolve("test_data_set_0"));
        assertThat(d.size()).isEqualTo(1);
        assertThat(d.hasReferenceOutputs()).isTrue();
        try (OrtRunner r = OrtRunner.open(modelDir.resolve("model.onnx"))) {
            List<Batch> batches = d.batches(ModelSignature.of(r), 32);
            assertThat(batches).hasSize(1);
            Batch b = batches.get(0);
            assertThat(b.feeds().keySet()).containsExactly("input");
            assertThat(b.referenceOutputs().keySet()).containsExactly("scores", "boxes");
            Map<String, Tensor> out = r.run(b.feeds());
            for (String name : List.of("scores", "boxes")) {
                float[] got = out.get(name).toFloatArray();
                float[] want = b.referenceOutputs().get(name).toFloatArray();
                assertThat(got).hasSameSizeAs(want);
                double max = 0;
                for (int i = 0; i < got.length; i++) {
                    max = Math.max(max, Math.abs(got[i] - want[i]));
                }
                assertThat(max).as(name).isLessThan(1e-4);
            }
        }
        // the model folder itself holds test_data_set_0: the same one case
        assertThat(DataSets.onnxTestData("ref", modelDir).size()).isEqualTo(1);
    }

    @Test
    void mismatchesAndMissingFilesAreClearErrors(@TempDir Path dir) throws Exception {
        assertThatThrownBy(() -> DataSets.onnxTestData("ref", dir.resolve("nope")))
                .hasMessage("data 'ref': test data folder not found: " + dir.resolve("nope"));
        assertThatThrownBy(() -> DataSets.onnxTestData("ref", dir))
                .hasMessage("data 'ref': " + dir + " holds neither input_0.pb nor test_data_set_* folders");
        Files.write(dir.resolve("input_0.pb"),
                TensorProtos.fromTensor(Tensor.ofFloats(new long[] {1, 2}, 1, 2), "").toByteArray());
        ModelSignature m = new ModelSignature(
                List.of(new IoInfo("x", DataType.FLOAT, new long[] {-1, 3}, List.of("batch", ""))),
                List.of(new IoInfo("y", DataType.FLOAT, new long[] {-1, 3}, List.of("batch", ""))));
        DataSet d = DataSets.onnxTestData("ref", dir);
        assertThat(d.hasReferenceOutputs()).isFalse();
        assertThatThrownBy(() -> d.batches(m, 1))
                .hasMessage("data 'ref': " + dir.resolve("input_0.pb") + " is float [1,2] but model input 'x' expects "
                        + "float [batch,3]");
        Files.write(dir.resolve("input_1.pb"), new byte[] {(byte) 0xff, (byte) 0xff});
        assertThatThrownBy(() -> DataSets.onnxTestData("ref", dir))
                .hasMessageStartingWith("data 'ref': " + dir.resolve("input_1.pb") + " is not a serialized ONNX TensorProto");
    }
}
