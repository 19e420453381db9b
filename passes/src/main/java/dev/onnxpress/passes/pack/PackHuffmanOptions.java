package dev.onnxpress.passes.pack;

import dev.onnxpress.passes.NodeSelector;
import dev.onnxpress.passes.Param;

/** Options of {@code pack_huffman}. */
public record PackHuffmanOptions(
        @Param(doc = "Pack the constants these layers read (directly or through Cast/Gather/DequantizeLinear/Reshape).",
                dflt = "all")
        NodeSelector layers,
        @Param(doc = "Leave tensors smaller than this many bytes as they are.", dflt = "1024", min = 0)
        long min_bytes) {
}
