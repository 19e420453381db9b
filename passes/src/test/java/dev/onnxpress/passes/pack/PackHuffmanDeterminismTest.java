package dev.onnxpress.passes.pack;

import static org.assertj.core.api.Assertions.assertThat;

import dev.onnxpress.ir.Attr;
import dev.onnxpress.ir.DataType;
import dev.onnxpress.ir.Model;
import dev.onnxpress.ir.ModelWriter;
import dev.onnxpress.ir.Node;
import dev.onnxpress.pack.PackedNodes;
import dev.onnxpress.passes.NodeSelector;
import dev.onnxpress.passes.RandomDataContext;
import dev.onnxpress.testing.GraphBuilder;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Same model, same options → the same bytes, also across JVM runs (Map.of iteration order is salted per
 * JVM, so a node built from one must not carry that order into the file).
 */
class PackHuffmanDeterminismTest {

    static byte[] packed() {
        Model m = DeepCompressionPassesTest.mlp(6);
        new dev.onnxpress.passes.prune.magnitude.PruneMagnitudePass().run(m, DeepCompressionPassesTest.prune(0.9, false),
                new RandomDataContext(m, 1));
        new dev.onnxpress.passes.share.ShareWeightsPass().run(m, DeepCompressionPassesTest.share(4, false),
                new RandomDataContext(m, 1));
        new PackHuffmanPass().run(m, new PackHuffmanOptions(NodeSelector.ALL, 16), new RandomDataContext(m, 1));
        return ModelWriter.toBytes(m);
    }

    /** Entry point of the child JVMs: prints the SHA-256 of the packed model. */
    public static void main(String[] args) throws Exception {
        System.out.println("sha256=" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(packed())));
    }

    @Test
    void decodeNodeAttributesAreSortedByName() {
        byte[] bytes = packed();
        Model m = dev.onnxpress.ir.ModelReader.read(bytes, java.util.Optional.empty(), "packed");
        List<Node> decoders = m.graph().allNodes().stream().filter(PackedNodes::isDecodeNode).toList();
        assertThat(decoders).isNotEmpty();
        for (Node n : decoders) {
            assertThat(n.attrs().keySet()).containsExactly("dtype", "layout", "shape");
        }
        assertThat(packed()).isEqualTo(bytes);
    }

    @Test
    void rewriterSortsAttributesOfUnorderedMapsAndKeepsOrderedOnes() {
        GraphBuilder b = GraphBuilder.model("g").input("x", DataType.FLOAT, 1, 1, 4, 4);
        Node fromMapOf = b.rewriter().addNode(b.graph(), "MaxPool", "", "p", List.of(b.value("x")), 1,
                Map.of("strides", Attr.ofInts(1, 1), "pads", Attr.ofInts(0, 0, 0, 0), "kernel_shape", Attr.ofInts(2, 2)));
        assertThat(fromMapOf.attrs().keySet()).containsExactly("kernel_shape", "pads", "strides");
        Map<String, Attr> reversed = new LinkedHashMap<>();
        reversed.put("strides", Attr.ofInts(1, 1));
        reversed.put("pads", Attr.ofInts(0, 0, 0, 0));
        reversed.put("kernel_shape", Attr.ofInts(2, 2));
        Node fromLinked = b.rewriter().addNode(b.graph(), "MaxPool", "", "q", List.of(b.value("x")), 1, reversed);
        assertThat(fromLinked.attrs().keySet()).containsExactly("strides", "pads", "kernel_shape");
    }

    @Test
    void twoJvmRunsWriteTheSameBytes() throws Exception {
        List<String> hashes = new ArrayList<>();
        for (int run = 0; run < 3; run++) {
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            Process p = new ProcessBuilder(java, "-Xshare:off", "-cp", System.getProperty("java.class.path"),
                    PackHuffmanDeterminismTest.class.getName()).redirectErrorStream(true).start();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            p.getInputStream().transferTo(out);
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
            String text = out.toString(StandardCharsets.UTF_8);
            assertThat(p.exitValue()).as(text).isZero();
            hashes.add(text.lines().filter(l -> l.startsWith("sha256=")).findFirst().orElseThrow());
        }
        assertThat(hashes).as("hashes of three runs").containsOnly(hashes.get(0));
    }
}
