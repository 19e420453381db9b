package dev.onnxpress.runtime;

import dev.onnxpress.ir.Model;
import dev.onnxpress.ir.ModelReader;
import dev.onnxpress.ir.ModelWriter;
import dev.onnxpress.ort.OrtRunner;
import dev.onnxpress.pack.PackedNodes;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Opens any model onnxpress writes. Packed tensors ({@code dev.onnxpress::HuffmanDecode} nodes written by
 * {@code pack_huffman}) are decoded in memory, bit-exactly, and replaced by plain tensors before ONNX
 * Runtime sees the model; models without packed tensors pass through untouched.
 *
 * <pre>{@code
 * try (OrtRunner ort = OnnxpressRuntime.open(Path.of("lenet5.packed.onnx"))) {
 *     Map<String, Tensor> out = ort.run(Map.of("input", image));
 * }
 * byte[] plain = OnnxpressRuntime.toPlainOnnx(Files.readAllBytes(packedFile)); // for any other runtime
 * }</pre>
 */
public final class OnnxpressRuntime {
    private OnnxpressRuntime() {
    }

    /** Whether the model holds onnxpress-packed tensors (nodes of the {@code dev.onnxpress} domain). */
    public static boolean isPacked(Model m) {
        return PackedNodes.hasPackedNodes(m);
    }

    /**
     * Decodes every packed tensor of the model in place and drops the onnxpress opset import.
     *
     * @return the number of tensors decoded (0 for a plain model, which is left as it is)
     * @throws dev.onnxpress.pack.PackFormatException when a packed tensor is corrupt
     */
    public static int unpack(Model m) {
        return PackedNodes.hasPackedNodes(m) || m.opsets().containsKey(PackedNodes.DOMAIN) ? PackedNodes.unpack(m) : 0;
    }

    /** The serialized model with its packed tensors decoded; the same array when nothing is packed. */
    public static byte[] toPlainOnnx(byte[] model) {
        Model m = ModelReader.read(model, Optional.empty(), "model");
        if (!isPacked(m) && !m.opsets().containsKey(PackedNodes.DOMAIN)) {
            return model;
        }
        unpack(m);
        return ModelWriter.toBytes(m);
    }

    /** Reads a model file and decodes its packed tensors (external data resolves against the file's folder). */
    public static Model read(Path file) {
        Model m = ModelReader.read(file);
        unpack(m);
        return m;
    }

    /** An ONNX Runtime session over a serialized model, packed or not. */
    public static OrtRunner open(byte[] model, OrtRunner.Options options) {
        return OrtRunner.open(toPlainOnnx(model), options);
    }

    /** An ONNX Runtime session over a serialized model, packed or not, with default options. */
    public static OrtRunner open(byte[] model) {
        return open(model, OrtRunner.Options.defaults());
    }

    /** An ONNX Runtime session over a model file, packed or not. */
    public static OrtRunner open(Path file, OrtRunner.Options options) {
        Model m = ModelReader.read(file);
        if (!isPacked(m)) {
            return OrtRunner.open(file, options);
        }
        unpack(m);
        OrtRunner.Options o = m.folder().isPresent() && options.externalDataFolder().isEmpty()
                ? options.withExternalDataFolder(m.folder().get()) : options;
        return OrtRunner.open(ModelWriter.toBytes(m), o);
    }

    /** An ONNX Runtime session over a model file, packed or not, with default options. */
    public static OrtRunner open(Path file) {
        return open(file, OrtRunner.Options.defaults());
    }

    /** Writes a plain ONNX model (packed tensors decoded) that any runtime loads. */
    public static ModelWriter.Written unpackFile(Path packed, Path out) {
        return ModelWriter.write(read(packed), out);
    }
}
