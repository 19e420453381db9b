package dev.onnxpress.ort;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.onnxpress.error.InvalidModelException;
import dev.onnxpress.error.UserException;
import dev.onnxpress.ir.DataType;
import dev.onnxpress.ir.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ModelTapsTest {
    private static final Map<String, Tensor> FEED = Map.of("x", Tensor.ofFloats(new long[] {1, 3}, 1, 1, -5));

    @Test
    void tapsAnUndeclaredIntermediateValue() {
        byte[] tapped = OrtRunner.withTaps(OrtRunnerTest.addRelu(), List.of("s"));
        try (OrtRunner r = OrtRunner.open(tapped)) {
            assertThat(r.outputNames()).containsExactly("y", "s");
            assertThat(r.output("s").orElseThrow().type()).isEqualTo(DataType.FLOAT);
            Map<String, Tensor> out = r.run(FEED);
            assertThat(out.get("s").toFloatArray()).containsExactly(2, -1, -4.5f);
            assertThat(out.get("y").toFloatArray()).containsExactly(2, 0, 0);
        }
    }

    @Test
    void tapsInputsInitializersAndExistingOutputsOnce() {
        byte[] tapped = OrtRunner.withTaps(OrtRunnerTest.addRelu(), List.of("x", "b", "y", "s", "x"));
        try (OrtRunner r = OrtRunner.open(tapped)) {
            assertThat(r.outputNames()).containsExactly("y", "x", "b", "s");
            Map<String, Tensor> out = r.run(FEED);
            assertThat(out.get("x").toFloatArray()).containsExactly(1, 1, -5);
            assertThat(out.get("b").toFloatArray()).containsExactly(1, -2, 0.5f);
        }
    }

    @Test
    void declaredValueInfoTypeIsUsed() {
        byte[] m = dev.onnxpress.testing.ProtoModels.graph("vi")
                .input("x", DataType.FLOAT, "n")
                .node("Neg", List.of("x"), List.of("a"))
                .node("Abs", List.of("a"), List.of("y"))
                .valueInfo("a", DataType.FLOAT, "n")
                .output("y", DataType.FLOAT, "n")
                .toBytes();
        try (OrtRunner r = OrtRunner.open(OrtRunner.withTaps(m, List.of("a")))) {
            assertThat(r.output("a").orElseThrow().describe()).isEqualTo("float [n]");
            assertThat(r.run(Map.of("x", Tensor.ofFloats(new long[] {2}, 1, -2))).get("a").toFloatArray())
                    .containsExactly(-1, 2);
        }
    }

    @Test
    void unknownNamesAndBadBytesAreClearErrors() {
        assertThatThrownBy(() -> OrtRunner.withTaps(OrtRunnerTest.addRelu(), List.of("nope")))
                .isInstanceOf(UserException.class)
                .hasMessage("cannot tap 'nope': the model's graph has no value of that name");
        assertThatThrownBy(() -> OrtRunner.withTaps(new byte[] {(byte) 0xff, 1, 2}, List.of("a")))
                .isInstanceOf(InvalidModelException.class)
                .hasMessageStartingWith("not an ONNX model");
    }

    @Test
    void tapsOnMnistCnnLeaveTheModelOutputUnchanged() throws Exception {
        byte[] model = java.nio.file.Files.readAllBytes(dev.onnxpress.testing.SharedFiles.model("mnist_cnn"));
        dev.onnxpress.proto.Onnx.ModelProto proto = ModelTaps.parse(model);
        List<String> internal = new ArrayList<>();
        proto.getGraph().getNodeList().forEach(n -> internal.addAll(n.getOutputList()));
        String output = proto.getGraph().getOutput(0).getName();
        internal.remove(output);
        float[] pixels = new float[28 * 28];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = (i * 37 % 255) / 255f;
        }
        Map<String, Tensor> feed = Map.of("input.1", Tensor.ofFloats(new long[] {1, 1, 28, 28}, pixels));
        Tensor plain;
        try (OrtRunner r = OrtRunner.open(model)) {
            plain = r.run(feed).get(output);
        }
        try (OrtRunner r = OrtRunner.open(OrtRunner.withTaps(model, internal))) {
            assertThat(r.outputNames()).hasSize(internal.size() + 1).startsWith(output);
            Map<String, Tensor> out = r.run(feed);
            assertThat(out.get(output).contentEquals(plain)).isTrue();
            for (String name : internal) {
                assertThat(out.get(name).elementCount()).as(name).isPositive();
            }
        }
    }
}
