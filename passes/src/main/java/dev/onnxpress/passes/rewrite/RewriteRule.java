package dev.onnxpress.passes.rewrite;

import dev.onnxpress.ir.Graph;
import dev.onnxpress.ir.Node;
import dev.onnxpress.ir.Rewriter;
import java.util.Set;

/**
 * A local rewrite: which ops it looks at, a cheap {@link #match} that inspects without changing
 * anything and returns a typed match record (or why it declines), and {@link #rewrite}, which changes
 * the graph only through the {@link Rewriter}. A {@link RewriteDriver} applies rules to a fixed point.
 *
 * @param <M> what {@code match} found, handed to {@code rewrite} (a record)
 */
public interface RewriteRule<M> {
    /** Stable name, used in statistics and skips (e.g. {@code IdentityRule}). */
    default String name() {
        return getClass().getSimpleName();
    }

    /** Op types in the default ONNX domain this rule looks at; other nodes are never offered. */
    Set<String> targetOps();

    /** Inspects {@code node} (in {@code graph}); must not change anything. */
    RuleMatch<M> match(Node node, Graph graph);

    /** Applies a match returned by {@link #match} in the same sweep. */
    void rewrite(M match, Rewriter rewriter);
}
