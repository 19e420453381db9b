package dev.onnxpress.exec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.onnxpress.ir.Attr;
import dev.onnxpress.ir.DataType;
import dev.onnxpress.ir.ModelWriter;
import dev.onnxpress.ir.Tensor;
import dev.onnxpress.testing.GraphBuilder;
import dev.onnxpress.testing.RandomTensors;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class InferenceRuntimeTest {

    private static byte[] convRelu(boolean kernelShape) {
        Map<String, Attr> attrs = kernelShape
                ? Map.of("pads", Attr.ofInts(1, 1, 1, 1), "kernel_shape", Attr.ofInts(3, 3))
                : Map.of("pads", Attr.ofInts(1, 1, 1, 1));
        return ModelWriter.toBytes(GraphBuilder.model("conv").opset(13)
                .input("x", DataType.FLOAT, 1, 2, 5, 5)
                .initializer("w", RandomTensors.random(1, 3, 2, 3, 3))
                .initializer("b", RandomTensors.random(2, 3))
                .node("Conv", List.of("x", "w", "b"), List.of("c"), attrs)
                .node("Relu", List.of("c"), List.of("y"))
                .output("y", DataType.FLOAT, 1, 3, 5, 5).build());
    }

    @Test
    void everyRuntimeComputesWhatOnnxRuntimeComputes() {
        byte[] model = convRelu(true);
        Map<String, Tensor> feeds = Map.of("x", RandomTensors.random(7, 1, 2, 5, 5));
        float[] reference;
        try (ModelSession s = InferenceRuntime.named("ort").orElseThrow().open(model)) {
            reference = s.run(feeds).get("y").toFloatArray();
        }
        for (String name : List.of("opencv", "ort-mobile")) {
            InferenceRuntime rt = InferenceRuntime.named(name).orElseThrow();
            try (ModelSession s = rt.open(model)) {
                Tensor y = s.run(feeds).get("y");
                assertThat(y.dims()).as(name).containsExactly(1, 3, 5, 5);
                float[] got = y.toFloatArray();
                for (int i = 0; i < got.length; i++) {
                    assertThat(got[i]).as(name + " [" + i + "]").isCloseTo(reference[i],
                            org.assertj.core.data.Offset.offset(1e-5f));
                }
            }
        }
    }

    @Test
    void aModelOpenCvCannotImportIsARejectionWithOpenCvsMessage() {
        // kernel_shape is optional in ONNX (ONNX Runtime takes it from the weights); OpenCV 4.9 needs it
        byte[] model = convRelu(false);
        InferenceRuntime cv = InferenceRuntime.named("opencv").orElseThrow();
        assertThatThrownBy(() -> {
            try (ModelSession s = cv.open(model)) {
                s.run(Map.of("x", RandomTensors.random(7, 1, 2, 5, 5)));
            }
        }).isInstanceOf(RuntimeRejection.class).hasMessageStartingWith("OpenCV cannot load the model: node 'Conv' (Conv): onnx_importer.cpp:")
                .satisfies(e -> assertThat(((RuntimeRejection) e).runtimeMessage()).doesNotContain("\n"));
    }

    @Test
    void namesAreListedAndUnknownNamesAreEmpty() {
        assertThat(InferenceRuntime.names()).containsExactly("opencv", "ort", "ort_mobile");
        assertThat(InferenceRuntime.named("tensorrt")).isEmpty();
    }
}
