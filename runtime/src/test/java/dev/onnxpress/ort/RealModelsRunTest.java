package dev.onnxpress.ort;

import static org.assertj.core.api.Assertions.assertThat;

import dev.onnxpress.ir.DataType;
import dev.onnxpress.ir.Tensor;
import dev.onnxpress.testing.SharedFiles;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The shared models open and run; accuracy runs live with the data sets (compiler module). */
class RealModelsRunTest {

    @Test
    void mnistCnnHasAFixedBatchOfOne() {
        try (OrtRunner r = OrtRunner.open(SharedFiles.model("mnist_cnn"))) {
            assertThat(r.inputs()).hasSize(1);
            assertThat(r.inputs().get(0).toString()).isEqualTo("input.1: float [1,1,28,28]");
            assertThat(r.outputs().get(0).toString()).isEqualTo("26: float [1,10]");
            Tensor out = r.run(Map.of("input.1", Tensor.ofFloats(new long[] {1, 1, 28, 28}, new float[784]))).get("26");
            assertThat(out.dims()).containsExactly(1, 10);
        }
    }

    @Test
    void lenet5FashionRunsAnyBatch() {
        Path model = SharedFiles.model("lenet5_fashion");
        try (OrtRunner r = OrtRunner.open(model)) {
            assertThat(r.inputs().get(0).describe()).isEqualTo("float [batch,1,28,28]");
            assertThat(r.outputs().get(0).name()).isEqualTo("logits");
            Tensor out = r.run(Map.of("input", Tensor.ofFloats(new long[] {5, 1, 28, 28}, new float[5 * 784]))).get("logits");
            assertThat(out.dims()).containsExactly(5, 10);
            assertThat(out.dataType()).isEqualTo(DataType.FLOAT);
        }
    }

    @Test
    void ultrafaceReproducesItsTestData() {
        Path dir = SharedFiles.modelDir("ultraface_rfb640");
        Path data = dir.resolve("test_data_set_0");
        try (OrtRunner r = OrtRunner.open(dir.resolve("model.onnx"))) {
            Map<String, Tensor> out = r.run(Map.of("input", TensorProtos.read(data.resolve("input_0.pb"))));
            float[] scores = out.get("scores").toFloatArray();
            float[] want = TensorProtos.read(data.resolve("output_0.pb")).toFloatArray();
            float max = 0;
            for (int i = 0; i < want.length; i++) {
                max = Math.max(max, Math.abs(scores[i] - want[i]));
            }
            assertThat(max).isLessThan(1e-4f);
        }
    }
}
