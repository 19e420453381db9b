package dev.onnxpress.passes.convert.opset;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.onnxpress.ir.Attr;
import dev.onnxpress.ir.DataType;
import dev.onnxpress.ir.Model;
import dev.onnxpress.ir.ModelWriter;
import dev.onnxpress.ir.Tensor;
import dev.onnxpress.ort.OrtRunner;
import dev.onnxpress.passes.NoDataContext;
import dev.onnxpress.passes.PassException;
import dev.onnxpress.testing.GraphBuilder;
import dev.onnxpress.testing.OrtEquivalence;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The ops ONNX Runtime has no kernel for from some opset on ({@link OpsetVersions#ORT_NO_KERNEL_FROM}):
 * the table is what the runtime really does (it loads the op one opset before and not at the listed one),
 * and the converter rewrites (Swish) or refuses them there by name.
 */
class OrtKernelGapsTest {
    private static Model oneNode(String op, int opset) {
        GraphBuilder b = GraphBuilder.model("g").opset(opset).input("x", DataType.FLOAT, 1, 2, 4, 4);
        List<String> ins = List.of("x");
        Map<String, Attr> attrs = Map.of();
        if (op.equals("RoiAlign") || op.equals("MaxRoiPool")) {
            boolean align = op.equals("RoiAlign");
            b.initializer("rois", align ? Tensor.ofFloats(new long[] {1, 4}, 0, 0, 2, 2)
                    : Tensor.ofFloats(new long[] {1, 5}, 0, 0, 0, 2, 2));
            ins = List.of("x", "rois");
            if (align) {
                b.initializer("bi", Tensor.ofLongs(new long[] {1}, 0));
                ins = List.of("x", "rois", "bi");
            }
            attrs = align ? Map.of() : Map.of("pooled_shape", Attr.ofInts(1, 1));
        }
        return b.node(op, ins, List.of("y"), attrs).output("y").build();
    }

    private static boolean loads(Model m) {
        try (OrtRunner r = OrtRunner.open(ModelWriter.toBytes(m))) {
            return !r.inputs().isEmpty();
        } catch (RuntimeException e) {
            assertThat(e.getMessage()).contains("implementation");
            return false;
        }
    }

    @Test
    void theTableIsWhatOnnxRuntimeDoes() {
        for (Map.Entry<String, Integer> gap : OpsetVersions.ORT_NO_KERNEL_FROM.entrySet()) {
            assertThat(loads(oneNode(gap.getKey(), gap.getValue() - 1))).as("%s at %d", gap.getKey(), gap.getValue() - 1)
                    .isTrue();
            assertThat(loads(oneNode(gap.getKey(), gap.getValue()))).as("%s at %d", gap.getKey(), gap.getValue()).isFalse();
        }
    }

    @Test
    void theConverterRewritesOrRefusesThem() {
        Model swish = oneNode("Swish", 24);
        OrtEquivalence ref = OrtEquivalence.capture(swish);
        new ConvertOpsetPass().run(swish, new ConvertOpsetOptions(26), new NoDataContext());
        assertThat(swish.graph().opHistogram()).doesNotContainKey("Swish");
        ref.assertWithin(swish, 1e-6);
        Model roi = oneNode("RoiAlign", 16);
        assertThatThrownBy(() -> new ConvertOpsetPass().run(roi, new ConvertOpsetOptions(22), new NoDataContext()))
                .isInstanceOf(PassException.class)
                .hasMessage("convert_opset: node 'RoiAlign' (RoiAlign): ONNX Runtime 1.29 has no kernel for RoiAlign from"
                        + " opset 22 on (convert to 21 or lower); cannot convert from opset 16 to 22");
    }
}
