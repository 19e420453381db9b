/*
 * remove_unused_initializers: drops initializers nothing reads, and stale graph-input listings of
 * initializers.
 *
 *   before:  inputs [x, w_old]   initializers {w, w_old}   y = MatMul(x, w)
 *   after:   inputs [x]          initializers {w}          y = MatMul(x, w)
 *
 * - An initializer (dense or sparse) of any graph is unused when no node reads it (in subgraphs too,
 *   through outer-scope reads) and no graph output names it.
 * - Up to IR version 3 every initializer had to be listed as a graph input too; since IR 4 the listing
 *   is optional and only makes the tensor a default the caller may override, which also stops it being a
 *   constant for later passes. With keep_inputs=false those listings are dropped (IR 4+). Below IR 4 they
 *   stay (one skip per graph says why); an unused one is removed with its listing, keeping the rule.
 * Unused graph inputs that are not initializers are the model's interface and stay. Exact: outputs are
 * bit-identical for every input a caller can still feed.
 */
package dev.onnxpress.passes.strip.initializers;

import dev.onnxpress.ir.Graph;
import dev.onnxpress.ir.Model;
import dev.onnxpress.ir.Rewriter;
import dev.onnxpress.ir.Tensor;
import dev.onnxpress.ir.Value;
import dev.onnxpress.passes.Pass;
import dev.onnxpress.passes.PassContext;
import dev.onnxpress.passes.PassInfo;
import dev.onnxpress.passes.PassResult;
import dev.onnxpress.passes.PassSpec;
import dev.onnxpress.passes.Statistic;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Set;

/** Removes unread initializers and, where allowed, their graph-input listings. */
@PassSpec(id = "remove_unused_initializers",
        summary = "Remove initializers nothing reads and stale graph inputs that shadow initializers",
        traits = {PassInfo.Trait.PRESERVES_SEMANTICS, PassInfo.Trait.IDEMPOTENT},
        statistics = {
                @Statistic(name = "initializers_removed", doc = "initializers nothing reads, removed"),
                @Statistic(name = "inputs_removed",
                        doc = "graph inputs that only shadowed an initializer, no longer listed as inputs"),
                @Statistic(name = "bytes_saved", doc = "bytes of the removed initializers")})
public final class RemoveUnusedInitializersPass implements Pass<RemoveUnusedInitializersOptions> {
    /** The first IR version in which initializers need not be graph inputs. */
    static final long IR_INITIALIZERS_NOT_INPUTS = 4;

    @Override
    public PassResult run(Model model, RemoveUnusedInitializersOptions options, PassContext ctx) {
        Rewriter rw = new Rewriter(model);
        PassResult.Builder result = PassResult.builder();
        Set<Value> namedByOutputs = Collections.newSetFromMap(new IdentityHashMap<>());
        for (Graph g : model.graph().allGraphs()) {
            namedByOutputs.addAll(g.outputs());
        }
        boolean irAllowsUnlisting = model.irVersion() >= IR_INITIALIZERS_NOT_INPUTS;
        long removed = 0;
        long unlisted = 0;
        long bytes = 0;
        for (Graph g : model.graph().allGraphs()) {
            int keptListed = 0;
            for (Map.Entry<Value, Tensor> e : new ArrayList<>(g.initializers().entrySet())) {
                Value v = e.getKey();
                boolean listed = v.isGraphInput();
                if (listed && g != model.graph()) {
                    continue; // a subgraph's inputs are positional (Loop/Scan bodies): never change them
                }
                if (v.uses().isEmpty() && !namedByOutputs.contains(v)) {
                    if (listed && options.keep_inputs()) {
                        result.skip(v.name(), "unused, but listed as a graph input and keep_inputs=true");
                        continue;
                    }
                    bytes += e.getValue().byteSize();
                    rw.removeInitializer(v);
                    removed++;
                    if (listed) {
                        unlisted++;
                    }
                } else if (listed && !options.keep_inputs()) {
                    if (irAllowsUnlisting) {
                        rw.unlistInitializerInput(v);
                        unlisted++;
                    } else {
                        keptListed++;
                    }
                }
            }
            for (Value v : new ArrayList<>(g.sparseInitializers())) {
                if (v.uses().isEmpty() && !namedByOutputs.contains(v)
                        && !(v.isGraphInput() && (options.keep_inputs() || g != model.graph()))) {
                    boolean listed = v.isGraphInput();
                    rw.removeSparseInitializer(v);
                    removed++;
                    if (listed) {
                        unlisted++;
                    }
                }
            }
            if (keptListed > 0) {
                result.skip(g.name().isEmpty() ? "graph" : "graph '" + g.name() + "'", keptListed
                        + " initializers stay listed as graph inputs: IR version " + model.irVersion()
                        + " < " + IR_INITIALIZERS_NOT_INPUTS + " requires it");
            }
        }
        result.add("initializers_removed", removed);
        result.add("inputs_removed", unlisted);
        result.add("bytes_saved", bytes);
        return result.build(rw.changes() > 0);
    }
}
