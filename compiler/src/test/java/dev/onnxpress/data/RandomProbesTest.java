package dev.onnxpress.data;

import static org.assertj.core.api.Assertions.assertThat;

import dev.onnxpress.ir.DataType;
import dev.onnxpress.ir.Model;
import dev.onnxpress.ir.Tensor;
import dev.onnxpress.ort.IoInfo;
import dev.onnxpress.testing.GraphBuilder;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Random probes fit every declared dimension and the values the graph accepts. */
class RandomProbesTest {
    static IoInfo io(String name, DataType type, long[] shape, String... dimNames) {
        return new IoInfo(name, type, shape, List.of(dimNames));
    }

    static ModelSignature sig(IoInfo... inputs) {
        return new ModelSignature(List.of(inputs), List.of(io("y", DataType.FLOAT, new long[] {-1}, "batch")));
    }

    @Test
    void everyInputKeepsItsFixedDimsWhileTheLeadTakesTheBatchSize() {
        ModelSignature s = sig(io("x", DataType.FLOAT, new long[] {-1, 3}, "batch", ""),
                io("shape", DataType.INT64, new long[] {2}, ""),
                io("bias", DataType.FLOAT, new long[] {1, 3, 4}, "", "", ""));
        Batch b = DataSets.randomProbes(8, 1, Map.of()).batches(s, 4).get(0);
        assertThat(b.feeds().get("x").dims()).containsExactly(4, 3);
        assertThat(b.feeds().get("shape").dims()).containsExactly(2);
        assertThat(b.feeds().get("bias").dims()).containsExactly(1, 3, 4);
    }

    @Test
    void dimsByInputAndAxisWinOverTheDimsName() {
        ModelSignature s = sig(io("x", DataType.FLOAT, new long[] {-1, -1}, "batch", "len"));
        Batch b = DataSets.randomProbes(2, 1, Map.of("len", 5L, "x[1]", 7L, "x[0]", 3L)).batches(s, 8).get(0);
        assertThat(b.feeds().get("x").dims()).containsExactly(3, 7);
    }

    @Test
    void gatherIndicesStayWithinTheAxisAndShapeTensorsFitTheirConsumers() {
        Model m = GraphBuilder.model("g").opset(13)
                .input("ids", DataType.INT64, "batch", 6)
                .input("x", DataType.FLOAT, 2, 6)
                .input("target", DataType.INT64, 3)
                .initializer("table", Tensor.ofFloats(new long[] {4, 2}, 1, 2, 3, 4, 5, 6, 7, 8))
                .node("Gather", List.of("table", "ids"), List.of("e"))
                .node("Reshape", List.of("x", "target"), List.of("r"))
                .node("Identity", List.of("r"), List.of("y"))
                .output("e", DataType.FLOAT, "batch", 6, 2)
                .output("y", DataType.FLOAT, 12, 1, 1)
                .build();
        ProbeValues values = ProbeValues.of(m);
        assertThat(values.rule("ids")).contains(new ProbeValues.Range(4));
        assertThat(values.rule("x")).isEmpty();
        ModelSignature s = sig(io("ids", DataType.INT64, new long[] {-1, 6}, "batch", ""),
                io("x", DataType.FLOAT, new long[] {2, 6}, "", ""),
                io("target", DataType.INT64, new long[] {3}, ""));
        Batch b = DataSets.randomProbes(16, 3, Map.of(), values).batches(s, 16).get(0);
        for (long id : b.feeds().get("ids").toLongArray()) {
            assertThat(id).isBetween(0L, 3L);
        }
        assertThat(b.feeds().get("target").toLongArray()).containsExactly(12, 1, 1);
    }
}
