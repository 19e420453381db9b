package dev.onnxpress.ort;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.onnxpress.error.UserException;
import dev.onnxpress.ir.DataType;
import dev.onnxpress.ir.Tensor;
import dev.onnxpress.proto.Onnx;
import dev.onnxpress.testing.ProtoModels;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OrtRunnerTest {

    static byte[] addRelu() {
        return ProtoModels.graph("add_relu")
                .input("x", DataType.FLOAT, "batch", 3)
                .initializer("b", Tensor.ofFloats(new long[] {3}, 1, -2, 0.5f))
                .node("Add", List.of("x", "b"), List.of("s"))
                .node("Relu", List.of("s"), List.of("y"))
                .output("y", DataType.FLOAT, "batch", 3)
                .toBytes();
    }

    @Test
    void addReluComputesAndDescribesIo() {
        try (OrtRunner r = OrtRunner.open(addRelu())) {
            assertThat(r.inputs()).containsExactly(new IoInfo("x", DataType.FLOAT, new long[] {-1, 3}, List.of("batch", "")));
            assertThat(r.outputs().get(0).describe()).isEqualTo("float [batch,3]");
            Map<String, Tensor> out = r.run(Map.of("x", Tensor.ofFloats(new long[] {2, 3}, 1, 1, 1, -5, 5, -1)));
            assertThat(out).containsOnlyKeys("y");
            assertThat(out.get("y").dims()).containsExactly(2, 3);
            assertThat(out.get("y").toFloatArray()).containsExactly(2, 0, 1.5f, 0, 3, 0);
        }
    }

    @Test
    void matMul() {
        byte[] m = ProtoModels.graph("mm")
                .input("a", DataType.FLOAT, 2, 3)
                .input("b", DataType.FLOAT, 3, 1)
                .node("MatMul", List.of("a", "b"), List.of("c"))
                .output("c", DataType.FLOAT, 2, 1)
                .toBytes();
        try (OrtRunner r = OrtRunner.open(m)) {
            Map<String, Tensor> feeds = new LinkedHashMap<>();
            feeds.put("a", Tensor.ofFloats(new long[] {2, 3}, 1, 2, 3, 4, 5, 6));
            feeds.put("b", Tensor.ofFloats(new long[] {3, 1}, 1, 0, -1));
            assertThat(r.run(feeds).get("c").toFloatArray()).containsExactly(-2, -2);
        }
    }

    @Test
    void int64InputAndTwoOutputsInRequestedOrder() {
        byte[] m = ProtoModels.graph("two")
                .input("i", DataType.INT64, 4)
                .node("Neg", List.of("i"), List.of("neg"))
                .node("Abs", List.of("i"), List.of("abs"))
                .output("neg", DataType.INT64, 4)
                .output("abs", DataType.INT64, 4)
                .toBytes();
        try (OrtRunner r = OrtRunner.open(m)) {
            Map<String, Tensor> feeds = Map.of("i", Tensor.ofLongs(new long[] {4}, 1, -2, 3, Long.MIN_VALUE + 1));
            Map<String, Tensor> all = r.run(feeds);
            assertThat(new ArrayList<>(all.keySet())).containsExactly("neg", "abs");
            assertThat(all.get("neg").toLongArray()).containsExactly(-1, 2, -3, Long.MAX_VALUE);
            Map<String, Tensor> some = r.run(feeds, List.of("abs", "neg"));
            assertThat(new ArrayList<>(some.keySet())).containsExactly("abs", "neg");
            assertThat(some.get("abs").toLongArray()).containsExactly(1, 2, 3, Long.MAX_VALUE);
        }
    }

    @Test
    void everyJavaCarriedTypeRoundTripsThroughIdentity() {
        List<Tensor> tensors = List.of(
                Tensor.ofFloats(new long[] {2}, 1.5f, -0f),
                Tensor.ofDoubles(new long[] {2}, Math.PI, -1e300),
                Tensor.of(DataType.FLOAT16, new long[] {3}, new double[] {1, -2.5, 65504}),
                Tensor.of(DataType.BFLOAT16, new long[] {2}, new double[] {1, -3e38}),
                Tensor.ofBytes(DataType.INT8, new long[] {2}, (byte) -128, (byte) 127),
                Tensor.ofBytes(DataType.UINT8, new long[] {2}, (byte) 0, (byte) 255),
                Tensor.of(DataType.INT16, new long[] {2}, new double[] {-32768, 7}),
                Tensor.ofInts(new long[] {2, 1}, Integer.MIN_VALUE, 9),
                Tensor.ofLongs(new long[] {1}, Long.MAX_VALUE),
                Tensor.ofBytes(DataType.BOOL, new long[] {3}, (byte) 1, (byte) 0, (byte) 1),
                Tensor.ofStrings(new long[] {2}, List.of("héllo".getBytes(StandardCharsets.UTF_8), new byte[0])),
                Tensor.ofFloats(new long[] {0, 3}));
        for (Tensor t : tensors) {
            Object[] dims = java.util.Arrays.stream(t.dims()).boxed().toArray();
            byte[] m = ProtoModels.graph("id")
                    .input("x", t.dataType(), dims)
                    .node("Identity", List.of("x"), List.of("y"))
                    .output("y", t.dataType(), dims)
                    .toBytes();
            try (OrtRunner r = OrtRunner.open(m)) {
                Tensor y = r.run(Map.of("x", t)).get("y");
                assertThat(y.contentEquals(t)).as("%s", t).isTrue();
                assertThat(y.name()).isEqualTo("y");
            }
        }
    }

    @Test
    void feedMismatchesAreOneClearLine() {
        try (OrtRunner r = OrtRunner.open(addRelu())) {
            assertThatThrownBy(() -> r.run(Map.of("x", Tensor.ofLongs(new long[] {2, 3}, 1, 2, 3, 4, 5, 6))))
                    .isInstanceOf(UserException.class)
                    .hasMessage("input 'x' expects float [batch,3] but got int64 [2,3]");
            assertThatThrownBy(() -> r.run(Map.of("x", Tensor.ofFloats(new long[] {2, 4}, new float[8]))))
                    .hasMessage("input 'x' expects float [batch,3] but got float [2,4]");
            assertThatThrownBy(() -> r.run(Map.of("x", Tensor.ofFloats(new long[] {3}, new float[3]))))
                    .hasMessage("input 'x' expects float [batch,3] but got float [3]");
            assertThatThrownBy(() -> r.run(Map.of()))
                    .hasMessage("no value given for model input 'x' (float [batch,3])");
            assertThatThrownBy(() -> r.run(Map.of("x", Tensor.ofFloats(new long[] {1, 3}, new float[3]),
                    "z", Tensor.scalarFloat(1))))
                    .hasMessage("'z' is not an input of the model; its inputs are x");
            assertThatThrownBy(() -> r.run(Map.of("x", Tensor.ofFloats(new long[] {1, 3}, new float[3])), List.of("q")))
                    .hasMessage("the model has no output 'q'; its outputs are y");
        }
    }

    @Test
    void invalidModelsAreUserErrorsOnOneLine() {
        assertThatThrownBy(() -> OrtRunner.open(new byte[] {1, 2, 3, 4, 5}))
                .isInstanceOf(UserException.class)
                .hasMessageStartingWith("ONNX Runtime cannot load the model: ")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
        byte[] unknownOp = ProtoModels.graph("u")
                .input("x", DataType.FLOAT, 2)
                .node("NoSuchOperator", List.of("x"), List.of("y"))
                .output("y", DataType.FLOAT, 2)
                .toBytes();
        assertThatThrownBy(() -> OrtRunner.open(unknownOp))
                .isInstanceOf(UserException.class)
                .hasMessageContaining("NoSuchOperator")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n").doesNotStartWith("Error code"));
        assertThatThrownBy(() -> OrtRunner.open(Path.of("does/not/exist.onnx")))
                .hasMessage("model file not found: does/not/exist.onnx");
    }

    @Test
    void runAllReportsProgress() {
        try (OrtRunner r = OrtRunner.open(addRelu())) {
            List<Map<String, Tensor>> batches = List.of(
                    Map.of("x", Tensor.ofFloats(new long[] {1, 3}, 0, 0, 0)),
                    Map.of("x", Tensor.ofFloats(new long[] {2, 3}, 1, 1, 1, 2, 2, 2)));
            List<long[]> seen = new ArrayList<>();
            List<Map<String, Tensor>> out = r.runAll(batches, List.of("y"), (d, t) -> seen.add(new long[] {d, t}));
            assertThat(out).hasSize(2);
            assertThat(out.get(1).get("y").toFloatArray()).containsExactly(2, 0, 1.5f, 3, 0, 2.5f);
            assertThat(seen).containsExactly(new long[] {1, 2}, new long[] {2, 2});
        }
    }

    @Test
    void latency() {
        try (OrtRunner r = OrtRunner.open(addRelu())) {
            LatencyStats s = r.measureLatency(Map.of("x", Tensor.ofFloats(new long[] {1, 3}, 0, 0, 0)), 2, 11);
            assertThat(s.iterations()).isEqualTo(11);
            assertThat(s.minMs()).isPositive().isLessThanOrEqualTo(s.medianMs());
            assertThat(s.medianMs()).isLessThanOrEqualTo(s.p90Ms());
            assertThat(s.p90Ms()).isLessThanOrEqualTo(s.maxMs());
        }
        assertThat(LatencyStats.ofNanos(new long[] {4_000_000, 1_000_000, 2_000_000, 3_000_000}).medianMs()).isEqualTo(2.5);
    }

    @Test
    void writesOptimizedModelsInOnnxAndOrtFormat(@TempDir Path dir) {
        Path onnx = dir.resolve("opt.onnx");
        try (OrtRunner r = OrtRunner.open(addRelu(), OrtRunner.Options.defaults()
                .withOptimization(OptimizationLevel.BASIC).withOptimizedModelPath(onnx))) {
            assertThat(r.inputs()).hasSize(1);
        }
        assertThat(onnx).isNotEmptyFile();
        Path ort = dir.resolve("opt.ort");
        try (OrtRunner r = OrtRunner.open(addRelu(), OrtRunner.Options.defaults()
                .withOptimization(OptimizationLevel.BASIC).withOptimizedModelPath(ort).withOrtFormat(true))) {
            assertThat(r.inputs()).hasSize(1);
        }
        try (OrtRunner r = OrtRunner.open(ort)) {
            assertThat(r.run(Map.of("x", Tensor.ofFloats(new long[] {1, 3}, 0, 0, 0))).get("y").toFloatArray())
                    .containsExactly(1, 0, 0.5f);
        }
    }

    @Test
    void byteModelFindsExternalDataInTheGivenFolder(@TempDir Path dir) throws Exception {
        Tensor w = Tensor.ofFloats(new long[] {3}, 10, 20, 30);
        Files.write(dir.resolve("w.bin"), w.rawBytes());
        Onnx.TensorProto ext = Onnx.TensorProto.newBuilder().setName("w").setDataType(DataType.FLOAT.code()).addDims(3)
                .setDataLocation(Onnx.TensorProto.DataLocation.EXTERNAL)
                .addExternalData(Onnx.StringStringEntryProto.newBuilder().setKey("location").setValue("w.bin"))
                .addExternalData(Onnx.StringStringEntryProto.newBuilder().setKey("offset").setValue("0"))
                .addExternalData(Onnx.StringStringEntryProto.newBuilder().setKey("length").setValue("12"))
                .build();
        byte[] m = ProtoModels.graph("ext")
                .input("x", DataType.FLOAT, 3)
                .initializer(ext)
                .node("Add", List.of("x", "w"), List.of("y"))
                .output("y", DataType.FLOAT, 3)
                .toBytes();
        try (OrtRunner r = OrtRunner.open(m, OrtRunner.Options.defaults().withExternalDataFolder(dir))) {
            assertThat(r.run(Map.of("x", Tensor.ofFloats(new long[] {3}, 1, 2, 3))).get("y").toFloatArray())
                    .containsExactly(11, 22, 33);
        }
        Files.write(dir.resolve("m.onnx"), m);
        try (OrtRunner r = OrtRunner.open(dir.resolve("m.onnx"))) {
            assertThat(r.run(Map.of("x", Tensor.ofFloats(new long[] {3}, 0, 0, 0))).get("y").toFloatArray())
                    .containsExactly(10, 20, 30);
        }
    }

    @Test
    void nativesAreExtractedIntoTheConfiguredFolder() {
        OrtEnvironments.get();
        Path folder = Path.of(System.getProperty(OrtEnvironments.NATIVE_PATH_PROPERTY));
        assertThat(folder.resolve(System.mapLibraryName("onnxruntime"))).isRegularFile();
        assertThat(folder.resolve(System.mapLibraryName("onnxruntime4j_jni"))).isRegularFile();
        assertThat(OrtEnvironments.ortVersion()).isEqualTo("1.29.0");
    }
}
