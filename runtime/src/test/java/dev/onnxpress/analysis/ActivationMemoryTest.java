package dev.onnxpress.analysis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.onnxpress.ir.DataType;
import dev.onnxpress.ir.Model;
import dev.onnxpress.ir.ModelReader;
import dev.onnxpress.testing.ProtoModels;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ActivationMemoryTest {
    private static Model read(ProtoModels m) {
        return ModelReader.read(m.toBytes(), Optional.empty(), "test");
    }

    @Test
    void aChainFreesWhatWasRead() {
        // x[1,1000] → a → b → y: at most x, one intermediate and its successor are alive (x stays: it is the caller's)
        Model m = read(ProtoModels.graph("chain")
                .input("x", DataType.FLOAT, 1, 1000)
                .node("Relu", List.of("x"), List.of("a"))
                .node("Relu", List.of("a"), List.of("b"))
                .node("Relu", List.of("b"), List.of("y"))
                .output("y", DataType.FLOAT, 1, 1000));
        assertThat(ActivationMemory.peakBytes(m, 1)).isEqualTo(3 * 4000);
    }

    @Test
    void theFirstUnknownDimensionCountsAsTheBatch() {
        Model m = read(ProtoModels.graph("batch")
                .input("x", DataType.FLOAT, "n", 100)
                .node("Relu", List.of("x"), List.of("y"))
                .output("y", DataType.FLOAT, "n", 100));
        assertThat(ActivationMemory.peakBytes(m, 8)).isEqualTo(2 * 8 * 400);
    }

    @Test
    void absurdShapesSaturateInsteadOfOverflowing() {
        Model m = read(ProtoModels.graph("huge")
                .input("x", DataType.FLOAT, 1L << 40, 1L << 40)
                .node("Relu", List.of("x"), List.of("y"))
                .output("y", DataType.FLOAT, 1L << 40, 1L << 40));
        assertThat(ActivationMemory.peakBytes(m, 1)).isEqualTo(Long.MAX_VALUE);
        assertThat(ActivationMemory.text(Long.MAX_VALUE)).isEqualTo("more than 9 EB");
        assertThat(ActivationMemory.text(4_000_000_000_000L)).isEqualTo("4.0 TB");
    }
}
