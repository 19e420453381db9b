package dev.onnxpress.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.onnxpress.proto.Onnx;
import dev.onnxpress.testing.SharedFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InspectCommandIT {

    private static JsonNode inspectJson(Path model) throws Exception {
        Main.Execution e = Main.execute("inspect", model.toString(), "--json");
        assertThat(e.err()).isEmpty();
        assertThat(e.exitCode()).isZero();
        return new ObjectMapper().readTree(e.out());
    }

    @Test
    void lenet5Json() throws Exception {
        Path model = SharedFiles.model("lenet5_fashion");
        JsonNode j = inspectJson(model);
        assertThat(j.fieldNames()).toIterable().contains("nodes", "ops", "parameters", "weight_bytes", "file_bytes",
                "opsets", "inputs", "outputs", "macs", "subgraphs", "non_standard_ops", "macs_by_node");
        assertThat(j.get("nodes").asInt()).isEqualTo(8);
        assertThat(j.get("ops").get("Conv").asInt()).isEqualTo(2);
        assertThat(j.get("ops").get("Gemm").asInt()).isEqualTo(2);
        // SOURCE.txt: 431,080 float32 parameters, file 1,725,631 bytes, opset 13
        assertThat(j.get("parameters").asLong()).isEqualTo(431_080);
        assertThat(j.get("weight_bytes").get("float").asLong()).isEqualTo(4 * 431_080);
        assertThat(j.get("file_bytes").asLong()).isEqualTo(Files.size(model)).isEqualTo(1_725_631);
        assertThat(j.get("opsets").get("ai.onnx").asLong()).isEqualTo(13);
        JsonNode in = j.get("inputs").get(0);
        assertThat(in.get("name").asText()).isEqualTo("input");
        assertThat(in.get("type").asText()).isEqualTo("float");
        assertThat(in.get("shape").toString()).isEqualTo("[\"batch\",1,28,28]");
        assertThat(j.get("outputs").get(0).get("shape").toString()).isEqualTo("[\"batch\",10]");
        // batch 1: Conv1 20·24²·(1·5²) = 288,000; Conv2 50·8²·(20·5²) = 1,600,000;
        // Gemm 800·500 = 400,000; Gemm 500·10 = 5,000; total 2,293,000
        assertThat(j.get("macs").asLong()).isEqualTo(2_293_000);
        assertThat(j.get("macs_by_node")).hasSize(4);
        assertThat(j.get("macs_by_node").get(1).get("macs").asLong()).isEqualTo(1_600_000);
        assertThat(j.get("subgraphs").asInt()).isZero();
        assertThat(j.get("non_standard_ops")).isEmpty();
    }

    @Test
    void vggBnParametersLeaveOutRunningStatistics() throws Exception {
        JsonNode j = inspectJson(SharedFiles.model("vgg_bn_fashion"));
        assertThat(j.get("parameters").asLong()).isEqualTo(288_170);
        assertThat(j.get("nodes").asInt()).isEqualTo(24);
        assertThat(j.get("ops").get("BatchNormalization").asInt()).isEqualTo(6);
        assertThat(j.get("macs").asLong()).isEqualTo(29_128_448L);
    }

    @Test
    void textFormIsAlignedAndComplete() {
        Main.Execution e = Main.execute("inspect", SharedFiles.model("lenet5_fashion").toString());
        assertThat(e.exitCode()).isZero();
        assertThat(e.out())
                .contains("parameters  431,080\n")
                .contains("MACs        2,293,000")
                .contains("inputs      input   float[batch,1,28,28]\n")
                .contains("outputs     logits  float[batch,10]\n")
                .contains("opsets      ai.onnx 13\n")
                .contains("\nops\n  Conv     2\n");
    }

    @Test
    void customDomainOpsAreListedAndMacsUnknownWhenOrtCannotRunThem(@TempDir Path dir) throws Exception {
        Onnx.ModelProto m = Onnx.ModelProto.parseFrom(Files.readAllBytes(SharedFiles.model("lenet5_fashion")));
        Onnx.GraphProto.Builder g = m.getGraph().toBuilder();
        for (int i = 0; i < g.getNodeCount(); i++) {
            if (g.getNode(i).getOpType().equals("Relu")) {
                g.setNode(i, g.getNode(i).toBuilder().setDomain("com.example").setOpType("Swish"));
            }
        }
        // the Gemm after the custom op has a symbolic batch, so its shapes need an ORT run, which fails
        Path file = dir.resolve("custom.onnx");
        Files.write(file, m.toBuilder().setGraph(g).addOpsetImport(Onnx.OperatorSetIdProto.newBuilder()
                .setDomain("com.example").setVersion(1)).build().toByteArray());
        JsonNode j = inspectJson(file);
        assertThat(j.get("non_standard_ops").toString()).isEqualTo("[\"com.example.Swish\"]");
        assertThat(j.get("ops").get("com.example.Swish").asInt()).isEqualTo(1);
        assertThat(j.get("opsets").get("com.example").asLong()).isEqualTo(1);
        assertThat(j.get("macs").isNull()).isTrue();
        Main.Execution text = Main.execute("inspect", file.toString());
        assertThat(text.out()).contains("MACs        unknown").contains("custom ops  com.example.Swish");
    }

    @Test
    void everySharedModelInspects() throws Exception {
        for (String name : new String[] {"mnist_cnn", "ppocr_cls_mobile_v2", "ultraface_rfb640", "yolox_nano"}) {
            JsonNode j = inspectJson(SharedFiles.model(name));
            assertThat(j.get("nodes").asInt()).as(name).isPositive();
            assertThat(j.get("parameters").asLong()).as(name).isPositive();
            assertThat(j.get("macs").asLong()).as(name).isPositive();
        }
    }
}
