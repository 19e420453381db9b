/*
 * strip_docs: removes doc strings and metadata noise.
 *
 *   before:  model doc "converted by …", node doc "File …/torch/nn/…, line 42", metadata {author, git_sha}
 *   after:   no doc strings, metadata {only the keys listed in keep}
 *
 * Cleared: doc strings of the model, every graph (subgraphs too), every node, every attribute, and the
 * values of every graph (inputs, outputs, initializers, node outputs, value_info); metadata entries of
 * graphs and nodes; model metadata entries except the keys in keep; the producer name and version only
 * when keep_producer=false. Nothing the runtime computes with is touched: outputs are bit-identical.
 *
 * names=compact also shortens names, which are a visible share of a small compressed model's bytes
 * (e.g. "fc1.weight_indices_int32_out" per value, "/fc1/Gemm" per node):
 *   before:  Gemm "/fc1/Gemm" (x, "fc1.weight_shared_out", "fc1.bias") → "/fc1/Gemm_output_0"
 *   after:   Gemm "" (x, "3", "4") → "5"
 * Node names are cleared (optional in ONNX); every value that is not an input or output of its graph
 * gets a short name from one counter over all graphs (unique model-wide, never equal to a kept name).
 * The interface (graph input/output names) is never renamed. Values are linked by identity in the IR,
 * so every reference, in subgraphs too, follows the rename.
 */
package dev.onnxpress.passes.strip.docs;

import dev.onnxpress.ir.Attr;
import dev.onnxpress.ir.Graph;
import dev.onnxpress.ir.Model;
import dev.onnxpress.ir.Node;
import dev.onnxpress.ir.Rewriter;
import dev.onnxpress.ir.Value;
import dev.onnxpress.passes.Pass;
import dev.onnxpress.passes.PassContext;
import dev.onnxpress.passes.PassInfo;
import dev.onnxpress.passes.PassResult;
import dev.onnxpress.passes.PassSpec;
import dev.onnxpress.passes.Statistic;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/** Removes doc strings and metadata entries the user did not ask to keep. */
@PassSpec(id = "strip_docs",
        summary = "Remove doc strings and metadata (keeping listed metadata keys and the producer by default)",
        traits = {PassInfo.Trait.PRESERVES_SEMANTICS, PassInfo.Trait.IDEMPOTENT},
        statistics = {
                @Statistic(name = "docs_removed", doc = "doc strings cleared"),
                @Statistic(name = "metadata_removed", doc = "metadata entries removed"),
                @Statistic(name = "bytes_saved",
                        doc = "bytes of doc strings, metadata and (names=compact) names saved")})
public final class StripDocsPass implements Pass<StripDocsOptions> {
    /** Counts as it clears. */
    private static final class Tally {
        long docs;
        long metadata;
        long bytes;
        long names;

        boolean doc(String d) {
            if (d.isEmpty()) {
                return false;
            }
            docs++;
            bytes += d.getBytes(StandardCharsets.UTF_8).length;
            return true;
        }

        void entries(Map<String, String> removed) {
            for (Map.Entry<String, String> e : removed.entrySet()) {
                metadata++;
                bytes += e.getKey().getBytes(StandardCharsets.UTF_8).length
                        + e.getValue().getBytes(StandardCharsets.UTF_8).length;
            }
        }
    }

    @Override
    public PassResult run(Model model, StripDocsOptions options, PassContext ctx) {
        Rewriter rw = new Rewriter(model);
        Tally tally = new Tally();
        if (tally.doc(model.docString())) {
            rw.setModelDocString("");
        }
        Map<String, String> kept = new LinkedHashMap<>();
        Map<String, String> dropped = new LinkedHashMap<>();
        model.metadata().forEach((k, v) -> (options.keep().contains(k) ? kept : dropped).put(k, v));
        tally.entries(dropped);
        rw.setModelMetadata(kept);
        if (!options.keep_producer()) {
            tally.doc(model.producerName());
            tally.doc(model.producerVersion());
            rw.setProducer("", "");
        }
        for (Graph g : model.graph().allGraphs()) {
            strip(g, rw, tally);
        }
        if (options.names() == StripDocsOptions.Names.compact) {
            compactNames(model, rw, tally);
        }
        PassResult.Builder result = PassResult.builder();
        result.add("docs_removed", tally.docs);
        result.add("metadata_removed", tally.metadata);
        result.add("bytes_saved", tally.bytes + tally.names);
        return result.build(rw.changes() > 0);
    }

    private static void compactNames(Model model, Rewriter rw, Tally tally) {
        Set<Value> kept = Collections.newSetFromMap(new IdentityHashMap<>());
        Set<String> keptNames = new java.util.HashSet<>();
        for (Graph g : model.graph().allGraphs()) {
            kept.addAll(g.inputs());
            kept.addAll(g.outputs());
        }
        for (Value v : kept) {
            keptNames.add(v.name());
        }
        Set<Value> values = new java.util.LinkedHashSet<>();
        for (Graph g : model.graph().allGraphs()) {
            values.addAll(g.initializers().keySet());
            values.addAll(g.sparseInitializers());
            for (Node n : g.nodes()) {
                if (!n.name().isEmpty()) {
                    tally.names += n.name().getBytes(StandardCharsets.UTF_8).length;
                    rw.setName(n, "");
                }
                values.addAll(n.outputs());
            }
        }
        long next = 0;
        for (Value v : values) {
            if (v.isNone() || v.name().isEmpty() || kept.contains(v)) {
                continue;
            }
            String name;
            do {
                name = Long.toString(next++, 36);
            } while (keptNames.contains(name));
            tally.names += v.name().getBytes(StandardCharsets.UTF_8).length - name.length();
            rw.rename(v, name);
        }
    }

    private static void strip(Graph g, Rewriter rw, Tally tally) {
        if (tally.doc(g.docString())) {
            rw.setDocString(g, "");
        }
        tally.entries(g.metadata());
        rw.setMetadata(g, Map.of());
        Set<Value> values = Collections.newSetFromMap(new IdentityHashMap<>());
        values.addAll(g.inputs());
        values.addAll(g.outputs());
        values.addAll(g.initializers().keySet());
        values.addAll(g.sparseInitializers());
        values.addAll(g.valueInfo());
        for (Node n : g.nodes()) {
            if (tally.doc(n.docString())) {
                rw.setDocString(n, "");
            }
            tally.entries(n.metadata());
            rw.clearMetadata(n);
            for (Map.Entry<String, Attr> a : n.attrs().entrySet()) {
                if (tally.doc(a.getValue().docString())) {
                    rw.setAttr(n, a.getKey(), a.getValue().withDocString(""));
                }
            }
            values.addAll(n.outputs());
        }
        for (Value v : values) {
            // outputs may name values of enclosing graphs: those are cleared with their own graph
            if (!v.isNone() && v.graph() == g && tally.doc(v.docString())) {
                rw.setDocString(v, "");
            }
        }
    }
}
