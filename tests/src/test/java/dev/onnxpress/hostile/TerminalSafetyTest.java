package dev.onnxpress.hostile;

import static org.assertj.core.api.Assertions.assertThat;

import dev.onnxpress.cli.Main;
import dev.onnxpress.ir.DataType;
import dev.onnxpress.proto.Onnx;
import dev.onnxpress.testing.ProtoModels;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What reaches the terminal from a model file: names with ANSI escape sequences or other control characters
 * are shown defused, a 10 MB name is cut with a note of its length, and ONNX Runtime's own log lines stay off
 * unless --debug.
 */
class TerminalSafetyTest {
    private static final String ANSI = "x\u001b[2J\u001b[31mred\u001b]0;title\u0007\u0008\u009b31m";

    @TempDir
    Path dir;

    private Path write(String name, byte[] bytes) throws IOException {
        return Files.write(dir.resolve(name), bytes);
    }

    private static void assertNoControlCharacters(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            boolean control = (c < 0x20 && c != '\n' && c != '\r' && c != '\t') || (c >= 0x7f && c <= 0x9f);
            assertThat(control).as("control character U+%04X at %d in %s", (int) c, i,
                    text.substring(Math.max(0, i - 20), Math.min(text.length(), i + 20))).isFalse();
        }
    }

    @Test
    void inspectDefusesEscapeSequencesInNames() throws IOException {
        Path m = write("m.onnx", ProtoModels.graph(ANSI)
                .input(ANSI, DataType.FLOAT, 1, 4)
                .node("Relu", List.of(ANSI), List.of("y" + ANSI))
                .output("y" + ANSI, DataType.FLOAT, 1, 4)
                .toBytes());
        Main.Execution e = Main.execute("inspect", m.toString());
        assertThat(e.exitCode()).as(e.err()).isZero();
        assertNoControlCharacters(e.out());
        assertThat(e.out()).contains("red");
    }

    @Test
    void errorMessagesDefuseEscapeSequencesInNames() throws IOException {
        Path m = write("m.onnx", ProtoModels.graph("g")
                .input("x", DataType.FLOAT, 4)
                .node("Add", List.of("x", ANSI), List.of("y"))
                .output("y", DataType.FLOAT, 4)
                .toBytes());
        Main.Execution e = Main.execute("inspect", m.toString());
        assertThat(e.exitCode()).isEqualTo(2);
        assertThat(e.err().lines()).hasSize(1);
        assertNoControlCharacters(e.err());
        assertThat(e.err()).contains("\\x1b", "red");
    }

    @Test
    void aTenMegabyteNameIsCut() throws IOException {
        String huge = "n".repeat(10_000_000);
        Path dangling = write("d.onnx", ProtoModels.graph("g")
                .input("x", DataType.FLOAT, 4)
                .node("Add", List.of("x", huge), List.of("y"))
                .output("y", DataType.FLOAT, 4)
                .toBytes());
        Main.Execution e = Main.execute("inspect", dangling.toString());
        assertThat(e.exitCode()).isEqualTo(2);
        assertThat(e.err().length()).isLessThan(1000);
        assertThat(e.err()).contains("10000000 chars");

        Path named = write("n.onnx", ProtoModels.graph("g")
                .input(huge, DataType.FLOAT, 1, 4)
                .node("Relu", List.of(huge), List.of("y"))
                .output("y", DataType.FLOAT, 1, 4)
                .toBytes());
        Main.Execution ok = Main.execute("inspect", named.toString());
        assertThat(ok.exitCode()).as(ok.err()).isZero();
        assertThat(ok.out().length()).isLessThan(10_000);
        assertThat(ok.out()).contains("10000000 chars");
    }

    /**
     * MACs of a model whose shapes are not static are measured by one ORT run; here that run fails (Gather
     * index out of range), which inspect reports as unknown MACs. ORT's own error line must not reach stderr.
     */
    @Test
    void onnxRuntimeLogsNothingUnlessDebug() throws Exception {
        Path m = write("gather.onnx", gatherModel());
        Process p = new ProcessBuilder(TempFileSignalTest.command("inspect", m.toString()))
                .redirectOutput(dir.resolve("out.txt").toFile()).redirectError(dir.resolve("err.txt").toFile()).start();
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        String err = Files.readString(dir.resolve("err.txt"), StandardCharsets.UTF_8);
        assertThat(p.exitValue()).as(err).isZero();
        assertThat(Files.readString(dir.resolve("out.txt"))).contains("MACs");
        assertThat(err).as("stderr of a successful inspect").isEmpty();
    }

    /** x[a, b] → Gather(index 10, axis 1) → MatMul with a [1, 2] weight. */
    private static byte[] gatherModel() {
        Onnx.TypeProto symbolic = Onnx.TypeProto.newBuilder().setTensorType(Onnx.TypeProto.Tensor.newBuilder()
                .setElemType(1).setShape(Onnx.TensorShapeProto.newBuilder()
                        .addDim(Onnx.TensorShapeProto.Dimension.newBuilder().setDimParam("a"))
                        .addDim(Onnx.TensorShapeProto.Dimension.newBuilder().setDimParam("b")))).build();
        Onnx.GraphProto g = Onnx.GraphProto.newBuilder().setName("g")
                .addInput(Onnx.ValueInfoProto.newBuilder().setName("x").setType(symbolic))
                .addInitializer(Onnx.TensorProto.newBuilder().setName("idx").setDataType(7).addDims(1).addInt64Data(10))
                .addInitializer(Onnx.TensorProto.newBuilder().setName("w").setDataType(1).addDims(1).addDims(2)
                        .addFloatData(1).addFloatData(2))
                .addNode(Onnx.NodeProto.newBuilder().setOpType("Gather").setName("gather").addInput("x")
                        .addInput("idx").addOutput("y").addAttribute(Onnx.AttributeProto.newBuilder().setName("axis")
                                .setType(Onnx.AttributeProto.AttributeType.INT).setI(1)))
                .addNode(Onnx.NodeProto.newBuilder().setOpType("MatMul").setName("mm").addInput("y").addInput("w")
                        .addOutput("z"))
                .addOutput(Onnx.ValueInfoProto.newBuilder().setName("z"))
                .build();
        return Onnx.ModelProto.newBuilder().setIrVersion(8)
                .addOpsetImport(Onnx.OperatorSetIdProto.newBuilder().setVersion(17)).setGraph(g).build().toByteArray();
    }
}
