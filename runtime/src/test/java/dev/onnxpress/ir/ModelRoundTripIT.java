package dev.onnxpress.ir;

import static org.assertj.core.api.Assertions.assertThat;

import dev.onnxpress.ort.IoInfo;
import dev.onnxpress.ort.OrtRunner;
import dev.onnxpress.proto.Onnx;
import dev.onnxpress.testing.SharedFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Every shared model reads and writes back unchanged, and ONNX Runtime computes bit-identical outputs. */
class ModelRoundTripIT {
    static Stream<String> models() {
        return Stream.of("lenet300_fashion", "lenet5_fashion", "mnist_cnn", "ppocr_cls_mobile_v2", "ppocrv4_det",
                "ppocrv4_rec", "ultraface_rfb640", "vgg_bn_fashion", "yolox_nano");
    }

    @TempDir
    Path tmp;

    @ParameterizedTest
    @MethodSource("models")
    void roundTripIsLossless(String name) throws Exception {
        Path in = SharedFiles.model(name);
        Model m = ModelReader.read(in);
        Path out = tmp.resolve(name + ".onnx");
        ModelWriter.write(m, out);

        Onnx.ModelProto a = Onnx.ModelProto.parseFrom(Files.readAllBytes(in));
        Onnx.ModelProto b = Onnx.ModelProto.parseFrom(Files.readAllBytes(out));
        assertThat(b.getGraph().getInitializerList()).isEqualTo(a.getGraph().getInitializerList());
        assertThat(b.getGraph().getNodeList()).isEqualTo(a.getGraph().getNodeList());
        assertThat(b.getOpsetImportList()).isEqualTo(a.getOpsetImportList());
        assertThat(b.getGraph().getInputList()).isEqualTo(a.getGraph().getInputList());
        assertThat(b.getGraph().getOutputList()).isEqualTo(a.getGraph().getOutputList());
        assertThat(b.getGraph().getValueInfoList()).isEqualTo(a.getGraph().getValueInfoList());
        assertThat(b.getGraph()).isEqualTo(a.getGraph());
        assertThat(b).isEqualTo(a);

        Map<String, Tensor> feeds;
        try (OrtRunner ra = OrtRunner.open(in)) {
            feeds = probe(ra.inputs(), 7);
            Map<String, Tensor> oa = ra.run(feeds);
            try (OrtRunner rb = OrtRunner.open(out)) {
                Map<String, Tensor> ob = rb.run(feeds);
                assertThat(ob.keySet()).containsExactlyElementsOf(oa.keySet());
                for (String k : oa.keySet()) {
                    assertThat(ob.get(k).rawBytes()).as(k).isEqualTo(oa.get(k).rawBytes());
                }
            }
        }
    }

    @ParameterizedTest
    @MethodSource("models")
    void copyIsStructurallyEqual(String name) throws Exception {
        Model m = ModelReader.read(SharedFiles.model(name));
        Model c = m.copy();
        assertThat(ModelWriter.toBytes(c)).isEqualTo(ModelWriter.toBytes(m));
    }

    /** Seeded inputs: batch-like symbolic dims are 1, other unknown dims 64. */
    static Map<String, Tensor> probe(List<IoInfo> inputs, long seed) {
        Random r = new Random(seed);
        Map<String, Tensor> feeds = new LinkedHashMap<>();
        for (IoInfo io : inputs) {
            long[] dims = io.shape().clone();
            for (int i = 0; i < dims.length; i++) {
                if (dims[i] < 0) {
                    dims[i] = i == 0 ? 1 : 64;
                }
            }
            int n = (int) Tensor.elementCount(dims);
            float[] v = new float[n];
            for (int i = 0; i < n; i++) {
                v[i] = r.nextFloat();
            }
            feeds.put(io.name(), Tensor.ofFloats(dims, v));
        }
        return feeds;
    }
}
