package dev.onnxpress.passes.quant;

import static org.assertj.core.api.Assertions.assertThat;

import dev.onnxpress.ir.DataType;
import dev.onnxpress.ir.Model;
import dev.onnxpress.ir.Tensor;
import dev.onnxpress.passes.DataRef;
import dev.onnxpress.passes.NoDataContext;
import dev.onnxpress.passes.NodeSelector;
import dev.onnxpress.passes.PassResult;
import dev.onnxpress.passes.PassOptions;
import dev.onnxpress.passes.quant.int8.QuantizeInt8Options;
import dev.onnxpress.passes.quant.int8.QuantizeInt8Pass;
import dev.onnxpress.testing.GraphBuilder;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** A quantizer that quantized none of its candidate layers says so as a warning, not only as skips. */
class QuantizeNothingTest {
    @Test
    void zeroOfNCandidateLayersIsAWarning() {
        float[] w = new float[8 * 4];
        for (int i = 0; i < w.length; i++) {
            w[i] = i * 0.1f - 1;
        }
        Model m = GraphBuilder.model("g").opset(17)
                .input("x", DataType.FLOAT, 1, 8)
                .initializerInput("w", Tensor.ofFloats(new long[] {8, 4}, w))
                .node("MatMul", List.of("x", "w"), List.of("y"))
                .output("y", DataType.FLOAT, 1, 4).build();
        PassResult r = new QuantizeInt8Pass().run(m, PassOptions.of(QuantizeInt8Options.class,
                Map.of("calibration", new DataRef("calib"))),
                new NoDataContext());
        assertThat(r.changed()).isFalse();
        assertThat(r.skips()).isNotEmpty();
        assertThat(r.warnings()).singleElement().asString().contains("quantized 0 of 1 candidate layers");
    }
}
