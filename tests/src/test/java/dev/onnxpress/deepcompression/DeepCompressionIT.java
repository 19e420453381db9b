package dev.onnxpress.deepcompression;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.onnxpress.data.Batch;
import dev.onnxpress.ir.Model;
import dev.onnxpress.ir.ModelReader;
import dev.onnxpress.ir.ModelWriter;
import dev.onnxpress.ir.Tensor;
import dev.onnxpress.ort.OrtRunner;
import dev.onnxpress.passes.DataRef;
import dev.onnxpress.passes.NodeSelector;
import dev.onnxpress.passes.PassContext;
import dev.onnxpress.passes.PassResult;
import dev.onnxpress.passes.PassOptions;
import dev.onnxpress.passes.pack.PackHuffmanOptions;
import dev.onnxpress.passes.pack.PackHuffmanPass;
import dev.onnxpress.passes.prune.magnitude.PruneMagnitudeOptions;
import dev.onnxpress.passes.prune.magnitude.PruneMagnitudePass;
import dev.onnxpress.passes.share.ShareWeightsOptions;
import dev.onnxpress.passes.share.ShareWeightsPass;
import dev.onnxpress.prune.FashionMnist;
import dev.onnxpress.runtime.OnnxpressRuntime;
import dev.onnxpress.testing.OrtEquivalence;
import dev.onnxpress.testing.SharedFiles;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * prune_magnitude → share_weights → pack_huffman on the shared models: every stage runs in ORT, the
 * packed model loads through the onnxpress runtime with outputs bit-identical to the shared model
 * before packing, and the Fashion-MNIST classifiers keep most of their accuracy (1,000 test images;
 * the full-set numbers are the benchmark's job).
 */
class DeepCompressionIT {
    private static final Optional<DataRef> CALIB = Optional.of(new DataRef("calib"));

    static PruneMagnitudeOptions prune(double sparsity, NodeSelector layers) {
        return PassOptions.of(PruneMagnitudeOptions.class, Map.of("sparsity", sparsity, "layers", layers,
                "compensate", true, "calibration", CALIB, "max_features", 4096, "max_rows", 4096));
    }

    static ShareWeightsOptions share(int bits, boolean refit) {
        return PassOptions.of(ShareWeightsOptions.class, Map.of("bits", bits, "refit", refit,
                "calibration", refit ? CALIB : Optional.empty(), "max_features", 4096, "max_rows", 4096));
    }

    @ParameterizedTest
    @ValueSource(strings = {"lenet300_fashion", "lenet5_fashion", "vgg_bn_fashion", "mnist_cnn"})
    void pruneSharePackKeepsAccuracyAndPacksLosslessly(String name) {
        Model m = ModelReader.read(SharedFiles.model(name));
        byte[] original = ModelWriter.toBytes(m);
        List<Batch> test = FashionMnist.batches(original, FashionMnist.test(1000), 250);
        PassContext ctx = FashionMnist.context(FashionMnist.feeds(FashionMnist.batches(original,
                FashionMnist.calibration(256), 256)));
        double acc0 = FashionMnist.accuracy(original, test);
        PassResult p = new PruneMagnitudePass().run(m, prune(0.7, NodeSelector.ALL), ctx);
        assertTrue(p.statistics().get("sparsity_fraction").doubleValue() >= 0.69, name);
        PassResult s = new ShareWeightsPass().run(m, share(5, false), ctx);
        assertTrue(s.statistics().get("layers_shared").intValue() > 0, name);
        byte[] shared = ModelWriter.toBytes(m);
        double acc1 = FashionMnist.accuracy(shared, test);
        PassResult k = new PackHuffmanPass().run(m, new PackHuffmanOptions(NodeSelector.ALL, 256), ctx);
        byte[] packed = ModelWriter.toBytes(m);
        assertTrue(k.changed(), name);
        assertTrue(packed.length * 8L < original.length, name + ": " + original.length + " -> " + packed.length);
        byte[] plain = OnnxpressRuntime.toPlainOnnx(packed);
        double acc2 = FashionMnist.accuracy(plain, test);
        assertEquals(acc1, acc2, 0.0, name + ": packing is lossless");
        // mnist_cnn is an MNIST model: on Fashion-MNIST its accuracy is low anyway; only fidelity matters there
        if (acc0 > 0.5) {
            assertTrue(acc1 > acc0 - 0.03, name + ": accuracy " + acc0 + " -> " + acc1);
        }
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> table = (List<Map<String, Object>>) k.details().get("deep_compression");
        Map<String, Object> total = table.get(table.size() - 1);
        assertEquals("total", total.get("layer"));
        assertTrue(((Number) total.get("ratio_after_pack")).doubleValue() > 10, name + ": " + total);
    }

    @Test
    void ppocrWeightsInConstantNodesPackAndDecodeBitExactly() {
        Model m = ModelReader.read(SharedFiles.model("ppocrv4_rec"));
        Map<String, Tensor> feeds = OrtEquivalence.randomFeeds(m, 3, Map.of());
        byte[] before = ModelWriter.toBytes(m);
        Map<String, Tensor> ref;
        try (OrtRunner r = OrtRunner.open(before)) {
            ref = r.run(feeds);
        }
        PassResult k = new PackHuffmanPass().run(m, new PackHuffmanOptions(NodeSelector.ALL, 1024),
                FashionMnist.context(List.of()));
        assertTrue(k.statistics().get("tensors_packed").intValue() > 20, k.statistics().toString());
        byte[] packed = ModelWriter.toBytes(m);
        assertTrue(packed.length < before.length);
        try (OrtRunner r = OnnxpressRuntime.open(packed, OrtRunner.Options.defaults())) {
            Map<String, Tensor> out = r.run(feeds);
            for (String key : ref.keySet()) {
                assertArrayEquals(ref.get(key).rawBytes(), out.get(key).rawBytes(), key);
            }
        }
    }
}
