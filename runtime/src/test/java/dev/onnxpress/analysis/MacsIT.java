package dev.onnxpress.analysis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.onnxpress.ir.Model;
import dev.onnxpress.ir.ModelReader;
import dev.onnxpress.testing.SharedFiles;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * MACs from static shape inference (what {@code inspect} uses, without starting ONNX Runtime) equal MACs
 * from shapes measured in ONNX Runtime, node by node, on the real models.
 */
class MacsIT {
    @ParameterizedTest
    @ValueSource(strings = {"lenet300_fashion", "lenet5_fashion", "mnist_cnn", "vgg_bn_fashion",
            "ppocr_cls_mobile_v2", "ppocrv4_rec", "ultraface_rfb640", "yolox_nano"})
    void staticInferenceAgreesWithOrt(String name) {
        Model m = ModelReader.read(SharedFiles.model(name));
        Optional<Macs> fast = Macs.estimate(m, true);
        Optional<Macs> measured = Macs.estimate(m, false);
        assertThat(fast.isPresent()).isEqualTo(measured.isPresent());
        fast.ifPresent(f -> assertThat(f).isEqualTo(measured.get()));
    }

    @ParameterizedTest
    @ValueSource(strings = {"lenet300_fashion", "lenet5_fashion", "mnist_cnn", "vgg_bn_fashion"})
    void theClassifiersNeedNoOrtSession(String name) {
        Model m = ModelReader.read(SharedFiles.model(name));
        java.util.Set<dev.onnxpress.ir.Value> outputs = new java.util.LinkedHashSet<>();
        m.graph().nodes().stream().filter(n -> java.util.Set.of("Conv", "Gemm", "MatMul").contains(n.opType()))
                .forEach(n -> outputs.add(n.output(0)));
        assertThat(outputs).isNotEmpty();
        assertThat(Macs.infer(m, outputs)).isPresent();
    }
}
