package dev.onnxpress.passes.strip.identity;

import dev.onnxpress.ir.Graph;
import dev.onnxpress.ir.Node;
import dev.onnxpress.ir.Rewriter;
import dev.onnxpress.passes.rewrite.Bypass;
import dev.onnxpress.passes.rewrite.RewriteRule;
import dev.onnxpress.passes.rewrite.RuleMatch;
import java.util.Set;

/** {@code y = Identity(x)}: readers of y read x (see {@link Bypass} for when graph outputs allow it). */
final class IdentityRule implements RewriteRule<IdentityRule.Match> {
    record Match(Node node) {
    }

    @Override
    public Set<String> targetOps() {
        return Set.of("Identity");
    }

    @Override
    public RuleMatch<Match> match(Node node, Graph graph) {
        if (node.outputs().size() != 1) {
            return RuleMatch.none();
        }
        return Bypass.obstacle(node, node.input(0), node.output())
                .<RuleMatch<Match>>map(RuleMatch::skip)
                .orElseGet(() -> RuleMatch.of(new Match(node)));
    }

    @Override
    public void rewrite(Match m, Rewriter rw) {
        Node n = m.node();
        Bypass.apply(n, n.input(0), n.output(), rw);
        rw.removeNode(n);
    }
}
