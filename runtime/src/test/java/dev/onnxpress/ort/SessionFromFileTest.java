package dev.onnxpress.ort;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.onnxpress.error.UserException;
import dev.onnxpress.ir.Tensor;
import dev.onnxpress.proto.Onnx;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Large serialized models reach ONNX Runtime through a temporary file that is gone once the session is open. */
class SessionFromFileTest {

    static long sessionFiles() throws IOException {
        try (Stream<Path> s = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
            return s.filter(p -> p.getFileName().toString().startsWith("onnxpress-session-")).count();
        }
    }

    @Test
    void throughAFileSameOutputsAndNoFileLeft() throws IOException {
        byte[] m = OrtRunnerTest.addRelu();
        Map<String, Tensor> feeds = Map.of("x", Tensor.ofFloats(new long[] {2, 3}, 1, 1, 1, -5, 5, -1));
        long before = sessionFiles();
        try (OrtRunner bytes = OrtRunner.open(m, OrtRunner.Options.defaults(), Long.MAX_VALUE);
                OrtRunner file = OrtRunner.open(m, OrtRunner.Options.defaults(), 0)) {
            assertThat(file.run(feeds).get("y").rawBytes()).isEqualTo(bytes.run(feeds).get("y").rawBytes());
            assertThat(file.source()).isEqualTo("model");
        }
        assertThat(sessionFiles()).isEqualTo(before);
    }

    @Test
    void tappedModelStreamedToAFileGivesTheSameTapsAsItsBytes() throws IOException {
        dev.onnxpress.ir.Model model = dev.onnxpress.ir.ModelReader.read(OrtRunnerTest.addRelu(), java.util.Optional.empty(), "add_relu");
        String tap = "s";
        java.util.List<String> names = java.util.List.of(tap, "y");
        Map<String, Tensor> feeds = Map.of("x", Tensor.ofFloats(new long[] {2, 3}, 1, 1, 1, -5, 5, -1));
        assertThat(dev.onnxpress.ir.ModelWriter.toBytes(model))
                .isEqualTo(dev.onnxpress.ir.ModelWriter.inlineProto(model).toByteArray());
        long before = sessionFiles();
        try (OrtRunner bytes = OrtRunner.open(OrtRunner.withTaps(dev.onnxpress.ir.ModelWriter.toBytes(model), names));
                OrtRunner file = OrtRunner.openWithTaps(model, names, OrtRunner.Options.defaults(), 0)) {
            Map<String, Tensor> a = bytes.run(feeds, names);
            Map<String, Tensor> b = file.run(feeds, names);
            for (String n : names) {
                assertThat(b.get(n).rawBytes()).as(n).isEqualTo(a.get(n).rawBytes());
            }
            assertThat(file.source()).isEqualTo("model");
        }
        assertThat(sessionFiles()).isEqualTo(before);
    }

    @Test
    void externalDataIsNotMovedAndBadBytesKeepTheirMessage() throws IOException {
        Onnx.ModelProto p = Onnx.ModelProto.parseFrom(OrtRunnerTest.addRelu());
        Onnx.GraphProto g = p.getGraph().toBuilder().setInitializer(0, p.getGraph().getInitializer(0).toBuilder()
                .clearRawData().clearFloatData().setDataLocation(Onnx.TensorProto.DataLocation.EXTERNAL)
                .addExternalData(Onnx.StringStringEntryProto.newBuilder().setKey("location").setValue("w.bin")))
                .build();
        assertThat(ModelTaps.spill(p.toBuilder().setGraph(g).build().toByteArray())).isEmpty();
        byte[] junk = "not a model".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        assertThat(ModelTaps.spill(junk)).isEmpty();
        assertThatThrownBy(() -> OrtRunner.open(junk, OrtRunner.Options.defaults(), 0))
                .isInstanceOf(UserException.class).hasMessageStartingWith("ONNX Runtime cannot load the model");
    }
}
