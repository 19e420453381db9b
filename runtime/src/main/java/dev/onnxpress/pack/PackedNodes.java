package dev.onnxpress.pack;

import dev.onnxpress.ir.Attr;
import dev.onnxpress.ir.DataType;
import dev.onnxpress.ir.Graph;
import dev.onnxpress.ir.Model;
import dev.onnxpress.ir.Node;
import dev.onnxpress.ir.Rewriter;
import dev.onnxpress.ir.Tensor;
import dev.onnxpress.ir.Value;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The decode node that holds a packed tensor in an ONNX graph, and its removal.
 *
 * <pre>
 *   packed (uint8 [bytes], initializer or Constant) → dev.onnxpress::HuffmanDecode → tensor
 *      attributes: dtype (ONNX type code), shape (ints), layout ("PLANES" | "RUNS")
 * </pre>
 * The model declares opset {@value #OPSET} of domain {@value #DOMAIN}, so it stays a valid ONNX file;
 * stock runtimes have no kernel for the node, which is why {@link #unpack} replaces every decode node by
 * the plain tensor (an initializer in the main graph, a Constant node in subgraphs) before a session opens.
 * The attributes repeat the blob's header so tools that cannot decode can still show the tensor's type.
 */
public final class PackedNodes {
    public static final String DOMAIN = "dev.onnxpress";
    public static final String DECODE_OP = "HuffmanDecode";
    public static final long OPSET = 1;

    private PackedNodes() {
    }

    /** Attributes of a decode node for this blob. */
    public static Map<String, Attr> attributes(byte[] blob) {
        PackedTensor.Header h = PackedTensor.header(blob);
        return Map.of("dtype", Attr.of((long) h.dataType().code()), "shape", Attr.ofInts(h.dims()),
                "layout", Attr.of(h.layout().name()));
    }

    public static boolean isDecodeNode(Node n) {
        return n.domain().equals(DOMAIN) && n.opType().equals(DECODE_OP);
    }

    /** Whether any graph of the model holds a node of the onnxpress domain. */
    public static boolean hasPackedNodes(Model m) {
        for (Node n : m.graph().allNodes()) {
            if (n.domain().equals(DOMAIN)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Replaces every decode node by the tensor it produces and drops the onnxpress opset import.
     *
     * @return how many tensors were decoded
     * @throws PackFormatException when a packed tensor does not decode or disagrees with its node
     */
    public static int unpack(Model m) {
        Rewriter rw = new Rewriter(m);
        int decoded = 0;
        for (Graph g : m.graph().allGraphs()) {
            for (Node n : g.nodes()) {
                if (!n.domain().equals(DOMAIN)) {
                    continue;
                }
                if (!isDecodeNode(n)) {
                    throw new PackFormatException("node '" + n.label() + "' has op " + DOMAIN + "::" + n.opType()
                            + ", which this runtime does not know (only " + DECODE_OP + ")");
                }
                unpackNode(rw, g, n);
                decoded++;
            }
        }
        if (m.opsets().containsKey(DOMAIN)) {
            rw.removeOpset(DOMAIN);
        }
        return decoded;
    }

    private static void unpackNode(Rewriter rw, Graph g, Node n) {
        String where = "packed tensor '" + n.output().name() + "' (node '" + n.label() + "')";
        if (n.inputCount() != 1 || n.outputs().size() != 1) {
            throw new PackFormatException(where + ": a decode node has one input and one output");
        }
        Value packed = n.input(0);
        Tensor blobTensor = g.constantValue(packed).orElseThrow(
                () -> new PackFormatException(where + ": its input is not a constant"));
        if (blobTensor.dataType() != DataType.UINT8 || blobTensor.rank() != 1) {
            throw new PackFormatException(where + ": its input must be a 1-D uint8 tensor");
        }
        Tensor t;
        try {
            t = PackedTensor.decode(blobTensor.rawBytes());
        } catch (PackFormatException e) {
            throw new PackFormatException(where + ": " + e.getMessage());
        }
        long dtype = n.attrInt("dtype", t.dataType().code());
        long[] shape = n.attrInts("shape").orElse(t.dims());
        if (dtype != t.dataType().code() || !Arrays.equals(shape, t.dims())) {
            throw new PackFormatException(where + ": attributes say type " + dtype + " shape "
                    + Arrays.toString(shape) + ", the data holds " + t.dataType().displayName() + " "
                    + Arrays.toString(t.dims()));
        }
        Value out = n.output();
        String name = out.name();
        if (g.parent().isEmpty()) {
            Value init = rw.addInitializer(g, name + "_decoded", t);
            rw.replaceAllUses(out, init);
            rw.removeNode(n);
            rw.rename(init, name);
        } else {
            Value c = rw.add(g, "Constant", name + "_decoded", List.of(), Map.of("value", Attr.of(t)));
            rw.replaceAllUses(out, c);
            rw.removeNode(n);
            rw.rename(c, name);
        }
        removeIfDead(rw, packed);
    }

    private static void removeIfDead(Rewriter rw, Value v) {
        if (!v.uses().isEmpty() || v.isGraphOutput()) {
            return;
        }
        if (v.isInitializer()) {
            rw.removeInitializer(v);
            return;
        }
        v.producer().filter(p -> p.is("Constant")).ifPresent(rw::removeNode);
    }
}
