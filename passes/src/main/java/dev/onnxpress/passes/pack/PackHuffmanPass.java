package dev.onnxpress.passes.pack;

import dev.onnxpress.ir.DataType;
import dev.onnxpress.ir.Graph;
import dev.onnxpress.ir.Model;
import dev.onnxpress.ir.Node;
import dev.onnxpress.ir.Rewriter;
import dev.onnxpress.ir.Tensor;
import dev.onnxpress.ir.Value;
import dev.onnxpress.pack.PackedNodes;
import dev.onnxpress.pack.PackedTensor;
import dev.onnxpress.passes.Pass;
import dev.onnxpress.passes.PassContext;
import dev.onnxpress.passes.PassInfo;
import dev.onnxpress.passes.PassResult;
import dev.onnxpress.passes.PassSpec;
import dev.onnxpress.passes.Statistic;
import dev.onnxpress.passes.core.ConstantEditor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * {@code pack_huffman}: lossless entropy coding of weight tensors (Deep Compression, stage 3).
 *
 * <pre>
 *   W (initializer / Constant, any numeric type)
 *     ⇒ dev.onnxpress::HuffmanDecode(P uint8[bytes]) → W      (opset import dev.onnxpress v1)
 * </pre>
 * Each candidate constant is coded by {@link PackedTensor} in its smallest layout: canonical Huffman over
 * byte planes (codebook indices, int8/ternary weights) or zero-run relative indexing with filler entries
 * (pruned tensors, shared indices whose zero centroid dominates). A tensor is packed only when it gets
 * smaller. The model stays a valid ONNX file, but stock runtimes have no kernel for the decode node:
 * {@code dev.onnxpress.runtime.OnnxpressRuntime} (and {@code onnxpress unpack}) restore plain tensors,
 * bit-exactly, before a session opens — so the pipeline verifies this step through it.
 * Candidates: constants of at least {@code min_bytes} read by a selected node, or by a Cast, Gather,
 * DequantizeLinear or Reshape chain ending at one. The Deep Compression table (per layer and total) is
 * in the result's details.
 */
@PassSpec(id = PackHuffmanPass.ID,
        summary = "Canonical Huffman coding of weight tensors as dev.onnxpress decode nodes (lossless).",
        traits = {PassInfo.Trait.PRESERVES_SEMANTICS, PassInfo.Trait.PACKS, PassInfo.Trait.SHRINKS},
        statistics = {
                @Statistic(name = "tensors_packed", doc = "tensors stored Huffman-coded"),
                @Statistic(name = "bytes_before", doc = "bytes of those tensors before packing"),
                @Statistic(name = "bytes_after", doc = "bytes of their packed form"),
                @Statistic(name = "bytes_saved", doc = "bytes_before minus bytes_after")})
public final class PackHuffmanPass implements Pass<PackHuffmanOptions> {
    public static final String ID = "pack_huffman";
    private static final Set<String> CHAIN = Set.of("Cast", "Gather", "DequantizeLinear", "Reshape", "Identity",
            "Transpose", "Unsqueeze", "Squeeze");

    @Override
    public PassResult run(Model model, PackHuffmanOptions o, PassContext ctx) {
        PassResult.Builder result = PassResult.builder();
        Rewriter rw = new Rewriter(model);
        ConstantEditor editor = new ConstantEditor(rw);
        List<Candidate> candidates = new ArrayList<>();
        for (Graph g : model.graph().allGraphs()) {
            for (Value v : constantsOf(g)) {
                Tensor t = g.constantValue(v).orElseThrow();
                if (t.dataType() == DataType.STRING || t.elementCount() == 0 || t.byteSize() < o.min_bytes()) {
                    continue;
                }
                Optional<Node> layer = feeds(v, o, 0);
                if (layer.isEmpty()) {
                    continue;
                }
                if (v.isGraphOutput()) {
                    result.skip(v.name(), "graph output: stays a plain tensor");
                    continue;
                }
                candidates.add(new Candidate(g, v, t, layer.get()));
            }
        }
        long before = 0;
        long after = 0;
        int packed = 0;
        Map<Node, Map<String, Object>> rows = new LinkedHashMap<>();
        ctx.progress().start(ID, candidates.size());
        for (int ci = 0; ci < candidates.size(); ci++) {
            Candidate c = candidates.get(ci);
            byte[] blob = PackedTensor.encode(c.tensor());
            long size = c.tensor().byteSize();
            if (blob.length >= size) {
                result.skip(c.value().name(), "packing would not shrink it (" + blob.length + " ≥ " + size + " bytes)");
                continue;
            }
            row(rows, c, blob.length, PackedTensor.header(blob).layout());
            Value p = editor.newConstant(c.graph(), c.value().name() + "_packed",
                    Tensor.ofBytes(DataType.UINT8, new long[] {blob.length}, blob));
            Node decode = rw.addNode(c.graph(), PackedNodes.DECODE_OP, PackedNodes.DOMAIN, c.value().name() + "_decode",
                    List.of(p), 1, PackedNodes.attributes(blob));
            Value out = decode.output();
            rw.replaceAllUses(c.value(), out);
            String name = c.value().name();
            editor.removeIfDead(c.value());
            rw.rename(out, name);
            before += size;
            after += blob.length;
            packed++;
            ctx.progress().step(ci + 1);
        }
        ctx.progress().finish();
        if (packed > 0) {
            rw.setOpset(PackedNodes.DOMAIN, PackedNodes.OPSET);
        }
        result.stat("tensors_packed", packed).stat("bytes_before", before).stat("bytes_after", after)
                .stat("bytes_saved", before - after);
        List<Map<String, Object>> table = table(rows);
        if (!table.isEmpty()) {
            result.detail("deep_compression", table);
        }
        return result.build(packed > 0);
    }

    private record Candidate(Graph graph, Value value, Tensor tensor, Node layer) {
    }

    /**
     * Accumulates one packed tensor into its layer's row: weights and nonzeros of the weight it encodes
     * (through a codebook Gather when it holds indices), bits per weight after sharing, and bytes as
     * float32, as stored before packing, and after Huffman coding.
     */
    private static void row(Map<Node, Map<String, Object>> rows, Candidate c, long packedBytes,
            PackedTensor.Layout layout) {
        Tensor t = c.tensor();
        long n = t.elementCount();
        long nonzeros = 0;
        int bits = t.dataType().bits();
        Optional<Tensor> codebook = codebookOf(c.value());
        double[] cb = codebook.map(Tensor::toDoubleArray).orElse(null);
        if (t.dataType().bits() >= 8 && t.dataType() != DataType.STRING) {
            double[] x = t.toDoubleArray();
            for (double v : x) {
                double w = cb != null && (int) v >= 0 && (int) v < cb.length ? cb[(int) v] : v;
                nonzeros += w != 0 ? 1 : 0;
            }
        } else {
            nonzeros = n;
        }
        if (cb != null) {
            bits = Math.max(1, 32 - Integer.numberOfLeadingZeros(cb.length - 1));
        }
        Map<String, Object> r = rows.computeIfAbsent(c.layer(), k -> new LinkedHashMap<>());
        r.putIfAbsent("layer", c.layer().label());
        r.putIfAbsent("op", c.layer().opType());
        r.merge("weights", n, (a, b) -> (Long) a + (Long) b);
        r.merge("nonzeros", nonzeros, (a, b) -> (Long) a + (Long) b);
        r.merge("bits_per_weight", bits, (a, b) -> Math.max((Integer) a, (Integer) b));
        r.merge("float32_bytes", 4 * n, (a, b) -> (Long) a + (Long) b);
        r.merge("stored_bytes", t.byteSize(), (a, b) -> (Long) a + (Long) b);
        r.merge("huffman_bytes", packedBytes, (a, b) -> (Long) a + (Long) b);
        r.merge("layout", layout.name(), (a, b) -> a.equals(b) ? a : a + "+" + b);
    }

    /** The codebook when the value holds indices into one: v → Cast → Gather(codebook, ·). */
    private static Optional<Tensor> codebookOf(Value v) {
        for (Value.Use u : v.uses()) {
            Node n = u.node();
            if (n.is("Cast")) {
                return codebookOf(n.output());
            }
            if (n.is("Gather") && u.inputIndex() == 1) {
                return n.graph().constantValue(n.input(0));
            }
        }
        return Optional.empty();
    }

    /** Rows with ratios per stage, plus a total row. */
    private static List<Map<String, Object>> table(Map<Node, Map<String, Object>> rows) {
        List<Map<String, Object>> out = new ArrayList<>();
        long[] tot = new long[5];
        for (Map<String, Object> r : rows.values()) {
            finish(r);
            out.add(r);
            tot[0] += (Long) r.get("weights");
            tot[1] += (Long) r.get("nonzeros");
            tot[2] += (Long) r.get("float32_bytes");
            tot[3] += (Long) r.get("stored_bytes");
            tot[4] += (Long) r.get("huffman_bytes");
        }
        if (!out.isEmpty()) {
            Map<String, Object> t = new LinkedHashMap<>();
            t.put("layer", "total");
            t.put("op", "");
            t.put("weights", tot[0]);
            t.put("nonzeros", tot[1]);
            t.put("bits_per_weight", "");
            t.put("float32_bytes", tot[2]);
            t.put("stored_bytes", tot[3]);
            t.put("huffman_bytes", tot[4]);
            t.put("layout", "");
            finish(t);
            out.add(t);
        }
        return out;
    }

    private static void finish(Map<String, Object> r) {
        long w = (Long) r.get("weights");
        long f = (Long) r.get("float32_bytes");
        r.put("density", Math.round(1000.0 * (Long) r.get("nonzeros") / Math.max(1, w)) / 10.0 + "%");
        r.put("bits_after_huffman", Math.round(800.0 * (Long) r.get("huffman_bytes") / Math.max(1, w)) / 100.0);
        r.put("ratio_before_pack", Math.round(10.0 * f / Math.max(1, (Long) r.get("stored_bytes"))) / 10.0);
        r.put("ratio_after_pack", Math.round(10.0 * f / Math.max(1, (Long) r.get("huffman_bytes"))) / 10.0);
    }

    private static List<Value> constantsOf(Graph g) {
        List<Value> out = new ArrayList<>(g.initializers().keySet());
        for (Node n : g.nodes()) {
            if (n.is("Constant") && n.outputs().size() == 1 && g.constantValue(n.output()).isPresent()) {
                out.add(n.output());
            }
        }
        return out.stream().filter(v -> g.constantValue(v).isPresent()).toList();
    }

    /** The selected node this constant feeds, directly or through a short chain of reshaping/decoding ops. */
    private static Optional<Node> feeds(Value v, PackHuffmanOptions o, int depth) {
        for (Value.Use u : v.uses()) {
            Node n = u.node();
            if (CHAIN.contains(n.opType()) && n.isStandard() && depth < 4) {
                Optional<Node> r = feeds(n.output(), o, depth + 1);
                if (r.isPresent()) {
                    return r;
                }
            } else if (o.layers().matches(n) && !PackedNodes.isDecodeNode(n)) {
                return Optional.of(n);
            }
        }
        return Optional.empty();
    }
}
