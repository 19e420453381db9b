package dev.onnxpress.variants;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.onnxpress.analysis.StaticShapes;
import dev.onnxpress.cli.Main;
import dev.onnxpress.ir.Attr;
import dev.onnxpress.ir.DataType;
import dev.onnxpress.ir.Dim;
import dev.onnxpress.ir.Graph;
import dev.onnxpress.ir.Model;
import dev.onnxpress.ir.ModelReader;
import dev.onnxpress.ir.ModelWriter;
import dev.onnxpress.ir.Node;
import dev.onnxpress.ir.Rewriter;
import dev.onnxpress.ir.Tensor;
import dev.onnxpress.ir.Value;
import dev.onnxpress.ir.ValueType;
import dev.onnxpress.passes.core.ElementTypes;
import dev.onnxpress.pipeline.check.DeclaredTypeChecker;
import dev.onnxpress.testing.GraphBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Models in the shapes real exporters write them: IR version 3 with the weights listed as graph inputs, and
 * graphs that went through shape inference (a value_info for every value). Each runs through {@code run}
 * end to end on random probes, so ONNX Runtime loads every step's model.
 */
class ExporterVariantsIT {
    @TempDir
    Path dir;

    static float[] ramp(int n, float scale) {
        float[] f = new float[n];
        for (int i = 0; i < n; i++) {
            f[i] = (float) Math.sin(i * 0.37 + 1) * scale;
        }
        return f;
    }

    /** What an old exporter writes: IR 3, opset 9, weights also graph inputs, a Constant node, Transpose(W)→MatMul. */
    static Model ir3() {
        return GraphBuilder.model("old").opset(9)
                .input("x", DataType.FLOAT, "batch", 6)
                .initializerInput("W", Tensor.ofFloats(new long[] {4, 6}, ramp(24, 0.5f)))
                .initializerInput("b", Tensor.ofFloats(new long[] {4}, ramp(4, 0.1f)))
                .constant("scale", Tensor.ofFloats(new long[] {4}, 1.5f, 0.5f, 2f, 1f))
                .node("Transpose", List.of("W"), List.of("Wt"))
                .node("MatMul", List.of("x", "Wt"), List.of("xw"))
                .node("Add", List.of("xw", "b"), List.of("xwb"))
                .node("Mul", List.of("xwb", "scale"), List.of("y"))
                .output("y", DataType.FLOAT, "batch", 4)
                .irVersion(3)
                .build();
    }

    /** Declares every node output's element type and (where static) shape, as shape inference does. */
    static Model withInferredValueInfo(Model m) {
        Rewriter rw = new Rewriter(m);
        for (Graph g : m.graph().allGraphs()) {
            ElementTypes types = ElementTypes.fromProducers(m.graph(), m.defaultOpset());
            StaticShapes shapes = StaticShapes.infer(g, m.defaultOpset());
            for (Node n : g.nodes()) {
                for (Value o : n.outputs()) {
                    if (o.isNone() || o.isGraphOutput() || types.of(o).isEmpty()) {
                        continue;
                    }
                    Optional<List<Dim>> dims = shapes.knownDims(o)
                            .map(d -> Arrays.stream(d).mapToObj(Dim::of).map(Dim.class::cast).toList());
                    rw.setType(o, new ValueType.TensorType(types.of(o).get(), dims));
                }
            }
        }
        return m;
    }

    Path write(Model m, String name) {
        Path p = dir.resolve(name);
        ModelWriter.write(m, p);
        return p;
    }

    Main.Execution run(Path model, String steps, Path out, Path json) throws Exception {
        Path recipe = dir.resolve("recipe.txt");
        Files.writeString(recipe, "recipe \"variants\" version 1\n" + steps);
        return Main.execute("run", recipe.toString(), "-i", model.toString(), "-o", out.toString(),
                "--report-json", json.toString(), "--latency-runs", "1", "--dims", "batch=2");
    }

    static List<String> notes(Path json) throws Exception {
        List<String> out = new ArrayList<>();
        for (JsonNode step : new ObjectMapper().readTree(json.toFile()).path("steps")) {
            step.path("notes").forEach(n -> out.add(n.asText()));
        }
        return out;
    }

    /** IR 3 requires every initializer to be a graph input: a model keeps that, or moves to IR 4. */
    static void assertIrInvariant(Model m) {
        if (m.irVersion() < Rewriter.IR_INITIALIZERS_OUTSIDE_INPUTS) {
            assertThat(m.graph().inputs()).containsAll(m.graph().initializers().keySet());
        }
    }

    @Test
    void foldConstantsOnAnIr3ModelRaisesTheIrVersionAndSaysSo() throws Exception {
        Path in = write(ir3(), "ir3.onnx");
        Path out = dir.resolve("out.onnx");
        Path json = dir.resolve("r.json");
        Main.Execution r = run(in, "fold_constants()\n", out, json);
        assertThat(r.exitCode()).as(r.err()).isZero();
        Model written = ModelReader.read(out);
        assertIrInvariant(written);
        assertThat(written.irVersion()).isEqualTo(4);
        assertThat(notes(json)).anySatisfy(n -> assertThat(n).contains("IR version raised from 3 to 4"));
        // initializers listed as inputs are weights by default: the output no longer lists them
        assertThat(written.graph().inputs()).extracting(Value::name).doesNotContain("W", "b");

        // --keep-overridable-weights: the weights a caller may override stay graph inputs
        Path kept = dir.resolve("kept.onnx");
        Main.Execution k = Main.execute("run", dir.resolve("recipe.txt").toString(), "-i", in.toString(), "-o",
                kept.toString(), "--latency-runs", "1", "--dims", "batch=2", "--keep-overridable-weights");
        assertThat(k.exitCode()).as(k.err()).isZero();
        Model keptModel = ModelReader.read(kept);
        assertIrInvariant(keptModel);
        assertThat(keptModel.graph().inputs()).extracting(Value::name).contains("W", "b");
    }

    @Test
    void convertFp16OnAnIr3ModelWithTransposedInputListedWeights() throws Exception {
        Path in = write(ir3(), "ir3.onnx");
        Path out = dir.resolve("out.onnx");
        Main.Execution r = run(in, "convert_fp16()\n", out, dir.resolve("r.json"));
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertIrInvariant(ModelReader.read(out));
    }

    /** A densenet-style block: Conv → BatchNorm → Relu → Concat with its input → AveragePool → Flatten → Gemm. */
    static Model denseBlock() {
        return GraphBuilder.model("dense").opset(13)
                .input("x", DataType.FLOAT, 1, 3, 6, 6)
                .initializer("w", Tensor.ofFloats(new long[] {4, 3, 3, 3}, ramp(108, 0.3f)))
                .initializer("g", Tensor.ofFloats(new long[] {4}, 1, 0.5f, 2, 1.5f))
                .initializer("be", Tensor.ofFloats(new long[] {4}, 0, 0.1f, -0.1f, 0.2f))
                .initializer("mu", Tensor.ofFloats(new long[] {4}, 0.1f, 0, 0.2f, -0.1f))
                .initializer("var", Tensor.ofFloats(new long[] {4}, 1, 2, 0.5f, 1))
                .initializer("fc", Tensor.ofFloats(new long[] {5, 63}, ramp(315, 0.2f)))
                .node("Conv", List.of("x", "w"), List.of("c"), Map.of("pads", Attr.ofInts(1, 1, 1, 1)))
                .node("BatchNormalization", List.of("c", "g", "be", "mu", "var"), List.of("bn"))
                .node("Relu", List.of("bn"), List.of("r"))
                .node("Concat", List.of("x", "r"), List.of("cat"), Map.of("axis", Attr.of(1L)))
                .node("AveragePool", List.of("cat"), List.of("p"),
                        Map.of("kernel_shape", Attr.ofInts(2, 2), "strides", Attr.ofInts(2, 2)))
                .node("Flatten", List.of("p"), List.of("f"))
                .node("Gemm", List.of("f", "fc"), List.of("y"), Map.of("transB", Attr.of(1L)))
                .output("y", DataType.FLOAT, 1, 5)
                .build();
    }

    @Test
    void convertFp16OnAModelWithInferredValueInfoForEveryValue() throws Exception {
        Model m = withInferredValueInfo(denseBlock());
        assertThat(m.graph().valueInfo()).hasSizeGreaterThan(5);
        Path out = dir.resolve("out.onnx");
        Main.Execution r = run(write(m, "dense.onnx"), "convert_fp16(keep_io_types=true)\n", out,
                dir.resolve("r.json"));
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(DeclaredTypeChecker.stale(ModelReader.read(out))).isEmpty();
    }

    /** Opset 7: Dropout's mask has the data's type (float); from opset 10 on it is bool. */
    static Model oldDropout() {
        return GraphBuilder.model("drop").opset(7)
                .input("x", DataType.FLOAT, 2, 4)
                .node("Relu", List.of("x"), List.of("r"))
                .node("Dropout", List.of("r"), List.of("d", "mask"))
                .node("Add", List.of("d", "r"), List.of("y"))
                .output("y", DataType.FLOAT, 2, 4)
                .build();
    }

    @Test
    void convertOpsetTurnsAFloatDropoutMaskBoolAndDropsItsStaleDeclaration() throws Exception {
        for (int target : new int[] {13, 21}) {
            Model m = withInferredValueInfo(oldDropout());
            Value mask = m.graph().findValue("mask").orElseThrow();
            assertThat(mask.tensorType().orElseThrow().elemType()).isEqualTo(DataType.FLOAT);
            Path out = dir.resolve("out" + target + ".onnx");
            Path json = dir.resolve("r" + target + ".json");
            Main.Execution r = run(write(m, "drop.onnx"), "convert_opset(target=" + target + ")\n", out, json);
            assertThat(r.exitCode()).as(r.err()).isZero();
            Model written = ModelReader.read(out);
            assertThat(DeclaredTypeChecker.stale(written)).isEmpty();
            Optional<Value> after = written.graph().findValue("mask");
            after.flatMap(Value::tensorType).ifPresent(t -> assertThat(t.elemType()).isNotEqualTo(DataType.FLOAT));
        }
    }

    @Test
    void theCheckerFindsADeclaredShapeThatContradictsItsProducer() {
        Model m = withInferredValueInfo(denseBlock());
        assertThat(DeclaredTypeChecker.stale(m)).isEmpty();
        Value r = m.graph().findValue("r").orElseThrow();
        // a declaration a pass left behind: the Conv makes 4 channels
        new Rewriter(m).setType(r, ValueType.TensorType.of(DataType.FLOAT, 1, 3, 6, 6));
        assertThat(DeclaredTypeChecker.stale(m)).singleElement()
                .satisfies(s -> assertThat(s.describe()).contains("'r'", "[1,3,6,6]", "[1,4,6,6]"));
        DeclaredTypeChecker.dropStale(m);
        assertThat(DeclaredTypeChecker.stale(m)).isEmpty();
        assertThat(r.type()).isEmpty();
    }

    @Test
    void theCheckerFindsADeclarationThatContradictsItsProducer() {
        Model m = withInferredValueInfo(oldDropout());
        new Rewriter(m).setOpset("", 13);
        assertThat(DeclaredTypeChecker.stale(m)).singleElement()
                .satisfies(s -> assertThat(s.describe()).contains("'mask'", "bool"));
        DeclaredTypeChecker.dropStale(m);
        assertThat(DeclaredTypeChecker.stale(m)).isEmpty();
        assertThat(m.graph().findValue("mask").orElseThrow().type()).isEmpty();
    }
}
