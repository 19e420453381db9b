package dev.onnxpress.convert;

import static org.assertj.core.api.Assertions.assertThat;

import dev.onnxpress.ir.DataType;
import dev.onnxpress.ir.Model;
import dev.onnxpress.ir.ModelReader;
import dev.onnxpress.ir.Node;
import dev.onnxpress.ir.Tensor;
import dev.onnxpress.ir.Value;
import dev.onnxpress.passes.PassResult;
import dev.onnxpress.passes.PassOptions;
import dev.onnxpress.passes.convert.fp16.ConvertFp16Options;
import dev.onnxpress.passes.convert.fp16.ConvertFp16Pass;
import dev.onnxpress.passes.convert.opset.ConvertOpsetOptions;
import dev.onnxpress.passes.convert.opset.ConvertOpsetPass;
import dev.onnxpress.passes.convert.shapes.FixShapesOptions;
import dev.onnxpress.passes.convert.shapes.FixShapesPass;
import dev.onnxpress.testing.SharedFiles;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Every shared model through convert_fp16, convert_opset (13, newest, and back) and, for PaddleOCR, fix_shapes. */
class ConvertSharedModelsIT {
    static List<String> models() {
        return ConversionProbes.MODELS;
    }

    private record Probe(Model model, Map<String, Long> sizes, Map<String, Tensor> feeds, Map<String, Tensor> want) {
    }

    private static Probe probe(String name) {
        Model m = ModelReader.read(SharedFiles.model(name));
        Map<String, Long> sizes = ConversionProbes.symbolicSizes(name, m);
        Map<String, Tensor> feeds = ConversionProbes.feeds(m, sizes, 42);
        return new Probe(m, sizes, feeds, ConversionProbes.run(m, feeds));
    }

    @ParameterizedTest
    @MethodSource("models")
    void fp16KeepsCosineAbove0999(String name) {
        Probe p = probe(name);
        Model m = p.model().copy();
        PassResult r = new ConvertFp16Pass().run(m, PassOptions.defaults(ConvertFp16Options.class),
                ConversionProbes.context());
        assertThat(r.changed()).isTrue();
        assertThat(r.statistics().get("tensors_converted").longValue()).isPositive();
        Map<String, Tensor> got = ConversionProbes.run(m, p.feeds());
        for (Map.Entry<String, Tensor> e : p.want().entrySet()) {
            Tensor have = got.get(e.getKey());
            assertThat(have.dataType()).as(e.getKey()).isEqualTo(DataType.FLOAT);
            assertThat(ConversionProbes.cosine(e.getValue(), have)).as(name + " " + e.getKey()).isGreaterThanOrEqualTo(0.999);
        }
        // float16 inputs and outputs too
        Model io16 = p.model().copy();
        new ConvertFp16Pass().run(io16, PassOptions.of(ConvertFp16Options.class, Map.of("keep_io_types", false)),
                ConversionProbes.context());
        Map<String, Tensor> got16 = ConversionProbes.run(io16, p.feeds());
        for (Map.Entry<String, Tensor> e : p.want().entrySet()) {
            assertThat(got16.get(e.getKey()).dataType()).isEqualTo(DataType.FLOAT16);
            assertThat(ConversionProbes.cosine(e.getValue(), got16.get(e.getKey()))).as(name + " fp16 io " + e.getKey())
                    .isGreaterThanOrEqualTo(0.999);
        }
    }

    @ParameterizedTest
    @MethodSource("models")
    void opset13AndNewestAndBack(String name) {
        Probe p = probe(name);
        int original = (int) p.model().defaultOpset();
        for (int target : new int[] {13, ConvertOpsetPass.NEWEST}) {
            Model m = p.model().copy();
            new ConvertOpsetPass().run(m, new ConvertOpsetOptions(target), ConversionProbes.context());
            assertThat(m.defaultOpset()).isEqualTo(target);
            assertClose(name + " → " + target, p.want(), ConversionProbes.run(m, p.feeds()));
            new ConvertOpsetPass().run(m, new ConvertOpsetOptions(original), ConversionProbes.context());
            assertThat(m.defaultOpset()).isEqualTo(original);
            assertClose(name + " → " + target + " → " + original, p.want(), ConversionProbes.run(m, p.feeds()));
        }
    }

    private static void assertClose(String what, Map<String, Tensor> want, Map<String, Tensor> got) {
        assertThat(got.keySet()).as(what).isEqualTo(want.keySet());
        for (Map.Entry<String, Tensor> e : want.entrySet()) {
            assertThat(got.get(e.getKey()).dims()).as(what).isEqualTo(e.getValue().dims());
            assertThat(ConversionProbes.relativeMaxDiff(e.getValue(), got.get(e.getKey()))).as(what + " " + e.getKey())
                    .isLessThan(1e-4);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"ppocr_cls_mobile_v2", "ppocrv4_det", "ppocrv4_rec"})
    void paddleOcrBecomesStatic(String name) {
        Probe p = probe(name);
        Model m = p.model().copy();
        new FixShapesPass().run(m, new FixShapesOptions(ConversionProbes.dimsOption(p.sizes()), true),
                ConversionProbes.context());
        for (Value v : m.graph().realInputs()) {
            assertThat(v.tensorType().orElseThrow().isFullyKnown()).as(v.name()).isTrue();
        }
        for (Value v : m.graph().outputs()) {
            assertThat(v.tensorType().orElseThrow().isFullyKnown()).as(v.name()).isTrue();
        }
        for (Node n : m.graph().nodes()) {
            for (Value o : n.outputs()) {
                assertThat(o.tensorType()).as(o.name()).isPresent();
                assertThat(o.tensorType().get().isFullyKnown()).as(o.name()).isTrue();
            }
        }
        assertThat(m.graph().opHistogram()).doesNotContainKey("Shape");
        assertClose(name + " static", p.want(), ConversionProbes.run(m, p.feeds()));
    }
}
