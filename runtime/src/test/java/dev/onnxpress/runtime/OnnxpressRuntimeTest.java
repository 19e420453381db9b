package dev.onnxpress.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.onnxpress.ir.Attr;
import dev.onnxpress.ir.DataType;
import dev.onnxpress.ir.Model;
import dev.onnxpress.ir.ModelReader;
import dev.onnxpress.ir.ModelWriter;
import dev.onnxpress.ir.Tensor;
import dev.onnxpress.ort.OrtRunner;
import dev.onnxpress.pack.PackFormatException;
import dev.onnxpress.pack.PackedNodes;
import dev.onnxpress.pack.PackedTensor;
import dev.onnxpress.testing.GraphBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OnnxpressRuntimeTest {
    private static final float[] W = {0, 0, 1.5f, 0, -2, 0, 0, 0, 0.25f, 0, 0, 3};

    /** y = x + W, with W packed; {@code attrs} override the decode node's attributes. */
    static Model packed(Map<String, Attr> override, String op) {
        Tensor w = Tensor.ofFloats(new long[] {3, 4}, W);
        byte[] blob = PackedTensor.encode(w);
        Map<String, Attr> attrs = new HashMap<>(PackedNodes.attributes(blob));
        attrs.putAll(override);
        return GraphBuilder.model("packed").opset(13)
                .input("x", DataType.FLOAT, 3, 4)
                .initializer("w_packed", Tensor.ofBytes(DataType.UINT8, new long[] {blob.length}, blob))
                .customNode(PackedNodes.DOMAIN, op, List.of("w_packed"), List.of("w"), attrs)
                .node("Add", List.of("x", "w"), List.of("y"))
                .output("y", DataType.FLOAT, 3, 4)
                .build();
    }

    @Test
    void packedModelRunsThroughTheRuntimeAndUnpacksToAPlainOne(@TempDir Path dir) throws Exception {
        byte[] bytes = ModelWriter.toBytes(packed(Map.of(), PackedNodes.DECODE_OP));
        Tensor x = Tensor.ofFloats(new long[] {3, 4}, new float[12]);
        try (OrtRunner ort = OnnxpressRuntime.open(bytes)) {
            assertArrayEquals(W, ort.run(Map.of("x", x)).get("y").toFloatArray());
        }
        Path file = dir.resolve("packed.onnx");
        Files.write(file, bytes);
        try (OrtRunner ort = OnnxpressRuntime.open(file)) {
            assertArrayEquals(W, ort.run(Map.of("x", x)).get("y").toFloatArray());
        }
        OnnxpressRuntime.unpackFile(file, dir.resolve("plain.onnx"));
        Model plain = ModelReader.read(dir.resolve("plain.onnx"));
        assertFalse(OnnxpressRuntime.isPacked(plain));
        assertFalse(plain.opsets().containsKey(PackedNodes.DOMAIN));
        assertEquals(List.of("w"), plain.graph().initializers().keySet().stream().map(v -> v.name()).toList());
        assertArrayEquals(W, plain.graph().initializers().values().iterator().next().toFloatArray());
        try (OrtRunner ort = OrtRunner.open(dir.resolve("plain.onnx"))) { // stock ORT, no onnxpress in between
            assertArrayEquals(W, ort.run(Map.of("x", x)).get("y").toFloatArray());
        }
    }

    @Test
    void plainModelsPassThroughUntouched() {
        Model m = GraphBuilder.model("plain").opset(13).input("x", DataType.FLOAT, 2)
                .node("Relu", List.of("x"), List.of("y")).output("y", DataType.FLOAT, 2).build();
        byte[] bytes = ModelWriter.toBytes(m);
        assertSame(bytes, OnnxpressRuntime.toPlainOnnx(bytes));
        assertEquals(0, OnnxpressRuntime.unpack(m));
    }

    @Test
    void aDecodeNodeThatDisagreesWithItsDataOrAnUnknownOpFailsWithOneLine() {
        Model wrongShape = packed(Map.of("shape", Attr.ofInts(4, 3)), PackedNodes.DECODE_OP);
        PackFormatException e = assertThrows(PackFormatException.class, () -> OnnxpressRuntime.unpack(wrongShape));
        assertTrue(e.getMessage().contains("'w'"), e.getMessage());
        Model unknown = packed(Map.of(), "ZstdDecode");
        e = assertThrows(PackFormatException.class, () -> OnnxpressRuntime.unpack(unknown));
        assertTrue(e.getMessage().contains("ZstdDecode"), e.getMessage());
        Model ok = packed(Map.of(), PackedNodes.DECODE_OP);
        byte[] bytes = ModelWriter.toBytes(ok);
        Model reread = ModelReader.read(bytes, Optional.empty(), "m");
        assertTrue(OnnxpressRuntime.isPacked(reread));
    }
}
