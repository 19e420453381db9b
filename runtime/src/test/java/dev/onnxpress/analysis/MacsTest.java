package dev.onnxpress.analysis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.onnxpress.ir.DataType;
import dev.onnxpress.ir.Model;
import dev.onnxpress.ir.ModelReader;
import dev.onnxpress.ir.Tensor;
import dev.onnxpress.testing.ProtoModels;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class MacsTest {

    private static Model read(ProtoModels m) {
        return ModelReader.read(m.toBytes(), Optional.empty(), "test");
    }

    private static Tensor weights(long... dims) {
        return Tensor.ofRaw(DataType.FLOAT, dims, new byte[(int) (4 * Tensor.elementCount(dims))]);
    }

    @Test
    void groupedConvWithStrideCountsOutputTimesWeightFanIn() {
        // X [1,8,10,10], W [6,4,3,3] group 2, stride 2, pad 1 -> Y [1,6,5,5]
        // MACs = N·Cout·∏out·(Cin/group)·∏k = 1·6·25·4·9 = 5,400
        Model m = read(ProtoModels.graph("conv")
                .input("x", DataType.FLOAT, "n", 8, 10, 10)
                .initializer("w", weights(6, 4, 3, 3))
                .node("Conv", List.of("x", "w"), List.of("y"),
                        Map.of("group", 2L, "strides", new long[] {2, 2}, "pads", new long[] {1, 1, 1, 1}))
                .output("y", DataType.FLOAT, "n", 6, 5, 5));
        Macs macs = Macs.estimate(m).orElseThrow();
        assertThat(macs.total()).isEqualTo(5_400);
        assertThat(macs.perNode()).containsExactly(new Macs.NodeMacs("Conv_0", "Conv", 5_400));
    }

    @Test
    void convTransposeCountsInputTimesWeightFanOut() {
        // X [1,4,5,5], W [4,3,2,2] (Cin, Cout/group, k, k), group 1, stride 2 -> Y [1,3,10,10]
        // MACs = N·Cin·∏in·(Cout/group)·∏k = 1·4·25·3·4 = 1,200
        Model m = read(ProtoModels.graph("deconv")
                .input("x", DataType.FLOAT, 1, 4, 5, 5)
                .initializer("w", weights(4, 3, 2, 2))
                .node("ConvTranspose", List.of("x", "w"), List.of("y"), Map.of("strides", new long[] {2, 2}))
                .untypedOutput("y"));
        assertThat(Macs.estimate(m).orElseThrow().total()).isEqualTo(1_200);
    }

    @Test
    void gemmWithTransposedOperandsAndBatchedMatMulMeasuredInOrt() {
        // Gemm: A [7,5] transA -> M=5, K=7; B [3,7] transB -> N=3: 5·3·7 = 105
        // MatMul: [2,5,3] x [3,4] -> batch 2, M 5, N 4, K 3: 2·5·4·3 = 120 (shapes only known by running)
        // MatMul with a 1-D right operand: [2,5,4] x [4] -> [2,5], K 4: 40
        Model m = read(ProtoModels.graph("gemm")
                .input("a", DataType.FLOAT, 7, 5)
                .initializer("b", weights(3, 7))
                .initializer("c", weights(2, 1, 3))
                .initializer("d", weights(3, 4))
                .initializer("e", weights(4))
                .node("Gemm", List.of("a", "b"), List.of("y"), Map.of("transA", 1L, "transB", 1L))
                .node("Add", List.of("y", "c"), List.of("z"))
                .node("MatMul", List.of("z", "d"), List.of("p"))
                .node("MatMul", List.of("p", "e"), List.of("q"))
                .untypedOutput("q"));
        Macs macs = Macs.estimate(m).orElseThrow();
        assertThat(macs.perNode()).extracting(Macs.NodeMacs::macs).containsExactly(105L, 120L, 40L);
        assertThat(macs.total()).isEqualTo(265);
    }

    @Test
    void symbolicDimsCountAsOne() {
        // x [batch, 16] x W [16, 8]: with batch = 1, 16·8 = 128
        Model m = read(ProtoModels.graph("fc")
                .input("x", DataType.FLOAT, "batch", 16)
                .initializer("w", weights(16, 8))
                .node("MatMul", List.of("x", "w"), List.of("y"))
                .output("y", DataType.FLOAT, "batch", 8));
        assertThat(Macs.estimate(m).orElseThrow().total()).isEqualTo(128);
    }

    @Test
    void emptyWhenTheModelCannotRunWithSymbolicDimsOfOne() {
        // Reshape of [n] to [3, -1] needs n divisible by 3: at n = 1 ORT fails, so the shapes stay unknown
        Model m = read(ProtoModels.graph("reshape")
                .input("x", DataType.FLOAT, "n")
                .initializer("shape", Tensor.ofLongs(new long[] {2}, 3, -1))
                .initializer("w", weights(1, 2))
                .node("Reshape", List.of("x", "shape"), List.of("r"))
                .node("MatMul", List.of("r", "w"), List.of("y"))
                .untypedOutput("y"));
        assertThat(Macs.estimate(m)).isEmpty();
    }

    @Test
    void modelWithoutMatrixOpsHasZeroMacs() {
        Model m = read(ProtoModels.graph("relu")
                .input("x", DataType.FLOAT, "n", 4)
                .node("Relu", List.of("x"), List.of("y"))
                .output("y", DataType.FLOAT, "n", 4));
        assertThat(Macs.estimate(m)).contains(new Macs(0, List.of()));
    }
}
