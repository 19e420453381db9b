package dev.onnxpress.analysis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.onnxpress.ir.DataType;
import dev.onnxpress.ir.Dim;
import dev.onnxpress.ir.Model;
import dev.onnxpress.ir.ModelReader;
import dev.onnxpress.ir.Tensor;
import dev.onnxpress.testing.ProtoModels;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ModelStatsTest {

    @Test
    void countsInitializersAndConstantNodesButNotBatchNormStatistics() {
        Model m = ModelReader.read(ProtoModels.graph("bn")
                .input("x", DataType.FLOAT, "batch", 2, 3)
                .initializer("scale", Tensor.ofFloats(new long[] {2}, 1, 1))
                .initializer("bias", Tensor.ofFloats(new long[] {2}, 0, 0))
                .initializer("mean", Tensor.ofFloats(new long[] {2}, 0, 0))
                .initializer("var", Tensor.ofFloats(new long[] {2}, 1, 1))
                .initializer("flag", Tensor.ofBytes(DataType.BOOL, new long[] {3}, (byte) 1, (byte) 0, (byte) 1))
                .node("BatchNormalization", List.of("x", "scale", "bias", "mean", "var"), List.of("y"))
                .node("Constant", List.of(), List.of("k"), Map.of("value_floats", new float[] {1, 2, 3}))
                .node("Constant", List.of(), List.of("axes"), Map.of("value_ints", new long[] {0, 1}))
                .node("Mul", List.of("y", "k"), List.of("z"))
                .node("Identity", List.of("z"), List.of("out"))
                .output("out", DataType.FLOAT, "batch", 2, 3)
                .output("axes", DataType.INT64, 2)
                .toBytes(), Optional.empty(), "bn");
        ModelStats s = ModelStats.of(m);
        // scale 2 + bias 2 + constant floats 3 + constant ints 2 = 9; mean/var are statistics, bool no weight
        assertThat(s.parameters()).isEqualTo(9);
        // float: 4 initializers of 8 bytes + 12 bytes of value_floats; int64: 16; bool: 3
        assertThat(s.weightBytes()).containsExactly(Map.entry(DataType.FLOAT, 44L), Map.entry(DataType.INT64, 16L),
                Map.entry(DataType.BOOL, 3L));
        assertThat(s.nodes()).isEqualTo(5);
        assertThat(s.ops()).containsEntry("Constant", 2).containsEntry("BatchNormalization", 1);
        assertThat(s.opsets()).containsEntry("", 17L);
        assertThat(s.inputs()).containsExactly(new ModelStats.Port("x", "float",
                Optional.of(List.of(Dim.of("batch"), Dim.of(2), Dim.of(3)))));
        assertThat(s.inputs().get(0).describe()).isEqualTo("float[batch,2,3]");
        assertThat(s.outputs()).extracting(ModelStats.Port::name).containsExactly("out", "axes");
        assertThat(s.subgraphs()).isZero();
    }
}
