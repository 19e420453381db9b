package dev.onnxpress.hostile;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.onnxpress.cli.Main;
import dev.onnxpress.ir.DataType;
import dev.onnxpress.ir.Tensor;
import dev.onnxpress.proto.Onnx;
import dev.onnxpress.testing.ProtoModels;
import dev.onnxpress.testing.SharedFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Bad model files through the real command line (in process): every one must end with exit code 2 and
 * exactly one line on stderr naming what is wrong and where, no stack trace, and for {@code copy} no
 * output file (not even a temporary one).
 */
class HostileInputTest {

    /** Writes the hostile input into a fresh folder and returns the path to hand the CLI as MODEL. */
    interface Setup {
        Path create(Path dir) throws IOException;
    }

    record Case(String name, Setup setup, List<String> expected) {
        @Override
        public String toString() {
            return name;
        }
    }

    private static Case of(String name, Setup setup, String... expected) {
        return new Case(name, setup, List.of(expected));
    }

    static Stream<Arguments> cases() throws IOException {
        byte[] lenet = Files.readAllBytes(SharedFiles.model("lenet5_fashion"));
        List<Case> cases = new ArrayList<>();
        cases.add(of("empty file", d -> write(d, "model.onnx", new byte[0]), "model.onnx", "empty"));
        for (int cut : new int[] {1, 7, 100, 5_000, lenet.length / 2, lenet.length - 1}) {
            cases.add(of("truncated at " + cut, d -> write(d, "model.onnx", Arrays.copyOf(lenet, cut)),
                    "model.onnx", "not"));
        }
        byte[] random = new byte[4096];
        new Random(42).nextBytes(random);
        cases.add(of("random bytes", d -> write(d, "model.onnx", random), "model.onnx", "not"));
        cases.add(of("text file", d -> write(d, "model.onnx",
                "graph {\n  node { op_type: \"Relu\" }\n}\n".getBytes(StandardCharsets.UTF_8)),
                "model.onnx", "not"));
        // a Timestamp parses as a ModelProto (its field 1 is a varint, like ir_version) without a graph
        com.google.protobuf.Timestamp notAModel = com.google.protobuf.Timestamp.newBuilder()
                .setSeconds(1_700_000_000L).build();
        cases.add(of("protobuf that is not ONNX", d -> write(d, "model.onnx", notAModel.toByteArray()),
                "model.onnx", "not an ONNX model", "no graph"));

        cases.add(of("missing external data file", d -> write(d, "model.onnx", external("weights.bin", 0, 16)),
                "weights.bin", "not found", "initializer 'w'"));
        cases.add(of("absolute external data path", d -> write(d, "model.onnx", external("/etc/hostname", 0, 16)),
                "/etc/hostname", "absolute", "initializer 'w'"));
        cases.add(of("external data path leaving the folder", d -> {
            Files.write(d.resolve("secret.bin"), new byte[16]);
            Path inner = Files.createDirectories(d.resolve("model"));
            return write(inner, "model.onnx", external("../secret.bin", 0, 16));
        }, "../secret.bin", "outside the model's folder", "initializer 'w'"));
        cases.add(of("external data via a symlink leaving the folder", d -> {
            Files.write(d.resolve("secret.bin"), new byte[16]);
            Path inner = Files.createDirectories(d.resolve("model"));
            Files.createSymbolicLink(inner.resolve("weights.bin"), d.resolve("secret.bin"));
            return write(inner, "model.onnx", external("weights.bin", 0, 16));
        }, "weights.bin", "links outside", "initializer 'w'"));
        cases.add(of("external data beyond the end of its file", d -> {
            Files.write(d.resolve("weights.bin"), new byte[20]);
            return write(d, "model.onnx", external("weights.bin", 8, 16));
        }, "weights.bin", "20 bytes", "initializer 'w'"));
        cases.add(of("external data offset overflowing a long", d -> {
            Files.write(d.resolve("weights.bin"), new byte[20]);
            return write(d, "model.onnx", external("weights.bin", Long.MAX_VALUE - 8, 16));
        }, "weights.bin", "20 bytes", "initializer 'w'"));
        cases.add(of("external data with a length that does not fit the shape", d -> {
            Files.write(d.resolve("weights.bin"), new byte[64]);
            return write(d, "model.onnx", external("weights.bin", 0, 64));
        }, "initializer 'w'", "64 bytes", "needs 16"));

        cases.add(of("graph cycle", d -> write(d, "model.onnx", ProtoModels.graph("cyclic")
                .input("x", DataType.FLOAT, 4)
                .node("Add", List.of("x", "b"), List.of("a"))
                .node("Relu", List.of("a"), List.of("b"))
                .output("b", DataType.FLOAT, 4).toBytes()), "cycle", "Add_0", "Relu_1"));
        cases.add(of("node input no one produces", d -> write(d, "model.onnx", ProtoModels.graph("dangling")
                .input("x", DataType.FLOAT, 4)
                .node("Add", List.of("x", "ghost"), List.of("y"))
                .output("y", DataType.FLOAT, 4).toBytes()), "Add_0", "'ghost'"));
        cases.add(of("two nodes producing one value", d -> write(d, "model.onnx", ProtoModels.graph("twice")
                .input("x", DataType.FLOAT, 4)
                .node("Relu", List.of("x"), List.of("y"))
                .node("Sigmoid", List.of("x"), List.of("y"))
                .output("y", DataType.FLOAT, 4).toBytes()), "'y'", "produced twice", "Sigmoid_1"));
        cases.add(of("graph output no one produces", d -> write(d, "model.onnx", ProtoModels.graph("noout")
                .input("x", DataType.FLOAT, 4)
                .node("Relu", List.of("x"), List.of("y"))
                .output("z", DataType.FLOAT, 4).toBytes()), "output 'z'", "not produced"));
        cases.add(of("initializer dims of 1e12", d -> write(d, "model.onnx", initializer(
                Onnx.TensorProto.newBuilder().setName("huge").setDataType(1).addDims(1_000_000_000_000L)
                        .addDims(1_000_000L))), "initializer 'huge'", "absurd"));
        cases.add(of("negative initializer dim", d -> write(d, "model.onnx", initializer(
                Onnx.TensorProto.newBuilder().setName("neg").setDataType(1).addDims(4).addDims(-3))),
                "initializer 'neg'", "-3"));
        cases.add(of("absurd dim in a declared input", d -> write(d, "model.onnx", ProtoModels.graph("absurd")
                .input("x", DataType.FLOAT, 4, -7L)
                .node("Relu", List.of("x"), List.of("y"))
                .output("y", DataType.FLOAT, 4).toBytes()), "'x'", "-7"));
        cases.add(of("initializer data shorter than its shape", d -> write(d, "model.onnx", initializer(
                Onnx.TensorProto.newBuilder().setName("short").setDataType(1).addDims(4)
                        .setRawData(ByteString.copyFrom(new byte[12])))), "initializer 'short'", "12 bytes", "16"));
        cases.add(of("unknown data type code", d -> write(d, "model.onnx", initializer(
                Onnx.TensorProto.newBuilder().setName("odd").setDataType(99).addDims(2)
                        .setRawData(ByteString.copyFrom(new byte[2])))), "initializer 'odd'", "data type 99"));
        cases.add(of("Constant node value of the wrong attribute type", d -> write(d, "model.onnx",
                ProtoModels.graph("const")
                        .input("x", DataType.FLOAT, 1)
                        .node("Constant", List.of(), List.of("k"), java.util.Map.of("value_float", "one"))
                        .node("Add", List.of("x", "k"), List.of("y"))
                        .output("y", DataType.FLOAT, 1).toBytes()), "Constant_0", "value_float"));
        // what ONNX Runtime rejects (and our own run would), refused on read
        cases.add(of("node reading its own output", d -> write(d, "model.onnx", ProtoModels.graph("self")
                .input("x", DataType.FLOAT, 4)
                .node("Add", List.of("x", "y"), List.of("y"))
                .output("y", DataType.FLOAT, 4).toBytes()), "Add_0", "reads its own output 'y'"));
        cases.add(of("recursive model-local functions", d -> write(d, "model.onnx", relu().toBuilder()
                .addOpsetImport(Onnx.OperatorSetIdProto.newBuilder().setDomain("local").setVersion(1))
                .addFunctions(function("f", "g")).addFunctions(function("g", "f")).build().toByteArray()),
                "function 'f' calls itself", "f → g → f"));
        cases.add(of("If without else_branch", d -> write(d, "model.onnx", ProtoModels.graph("cond")
                .input("c", DataType.BOOL)
                .node("If", List.of("c"), List.of("y"), java.util.Map.of("then_branch", Onnx.GraphProto.newBuilder()
                        .setName("then").build()))
                .output("y", DataType.FLOAT, 4).toBytes()), "If_0", "no else_branch"));
        cases.add(of("ir_version 999", d -> write(d, "model.onnx", relu().toBuilder().setIrVersion(999).build()
                .toByteArray()), "IR version 999", "at most"));
        cases.add(of("opset 0", d -> write(d, "model.onnx", relu().toBuilder().clearOpsetImport()
                .addOpsetImport(Onnx.OperatorSetIdProto.newBuilder().setVersion(0)).build().toByteArray()),
                "opset 0", "ai.onnx"));
        cases.add(of("undefined input element type", d -> write(d, "model.onnx", ProtoModels.graph("undef")
                .input("x", DataType.UNDEFINED, 4)
                .node("Relu", List.of("x"), List.of("y"))
                .output("y", DataType.FLOAT, 4).toBytes()), "input 'x'", "undefined element type"));
        cases.add(of("missing model file", d -> d.resolve("absent.onnx"), "absent.onnx", "no such file"));
        cases.add(of("folder as model", d -> Files.createDirectories(d.resolve("folder.onnx")),
                "folder.onnx", "folder"));
        return cases.stream().map(Arguments::of);
    }

    private static Onnx.ModelProto relu() {
        return ProtoModels.graph("relu")
                .input("x", DataType.FLOAT, 4)
                .node("Relu", List.of("x"), List.of("y"))
                .output("y", DataType.FLOAT, 4).toModel();
    }

    /** Function {@code name} in domain "local" whose one node calls {@code callee} of the same domain. */
    private static Onnx.FunctionProto function(String name, String callee) {
        return Onnx.FunctionProto.newBuilder().setName(name).setDomain("local").addInput("a").addOutput("b")
                .addOpsetImport(Onnx.OperatorSetIdProto.newBuilder().setDomain("local").setVersion(1))
                .addNode(Onnx.NodeProto.newBuilder().setOpType(callee).setDomain("local").addInput("a").addOutput("b"))
                .build();
    }

    private static Path write(Path dir, String name, byte[] bytes) throws IOException {
        return Files.write(dir.resolve(name), bytes);
    }

    /** A one-initializer model whose 4 floats live in an external file. */
    private static byte[] external(String location, long offset, long length) {
        return initializer(Onnx.TensorProto.newBuilder().setName("w").setDataType(1).addDims(4)
                .setDataLocation(Onnx.TensorProto.DataLocation.EXTERNAL)
                .addExternalData(entry("location", location))
                .addExternalData(entry("offset", Long.toString(offset)))
                .addExternalData(entry("length", Long.toString(length))));
    }

    private static Onnx.StringStringEntryProto entry(String k, String v) {
        return Onnx.StringStringEntryProto.newBuilder().setKey(k).setValue(v).build();
    }

    /** y = x + t for an initializer t given as a raw message. */
    private static byte[] initializer(Onnx.TensorProto.Builder t) {
        Onnx.ModelProto m = ProtoModels.graph("init")
                .input("x", DataType.FLOAT, 4)
                .initializer(t.build())
                .node("Add", List.of("x", t.getName()), List.of("y"))
                .output("y", DataType.FLOAT, 4)
                .toModel();
        return m.toByteArray();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void inspectRefusesWithOneLine(Case c, @TempDir Path dir) throws IOException {
        Path model = c.setup().create(dir);
        Main.Execution e = Main.execute("inspect", model.toString());
        assertOneLineUserError(e, c);
        assertThat(e.out()).isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void copyRefusesAndWritesNothing(Case c, @TempDir Path dir) throws IOException {
        Path model = c.setup().create(dir);
        Path outDir = Files.createDirectories(dir.resolve("out"));
        Main.Execution e = Main.execute("copy", model.toString(), outDir.resolve("copy.onnx").toString(),
                "--external-data");
        assertOneLineUserError(e, c);
        try (Stream<Path> left = Files.list(outDir)) {
            assertThat(left).as("files left in the output folder").isEmpty();
        }
    }

    private static void assertOneLineUserError(Main.Execution e, Case c) {
        assertThat(e.exitCode()).as(c.name() + ": " + e.err()).isEqualTo(2);
        assertThat(e.err()).as(c.name()).startsWith("onnxpress: ").endsWith(System.lineSeparator());
        assertThat(e.err().lines()).as(c.name()).hasSize(1);
        assertThat(e.err()).as(c.name()).doesNotContain("Exception", "\tat ", "internal error");
        for (String fact : c.expected()) {
            assertThat(e.err()).as(c.name()).contains(fact);
        }
    }
}
