package dev.onnxpress.passes.strip.training;

import dev.onnxpress.ir.Graph;
import dev.onnxpress.ir.Node;
import dev.onnxpress.ir.Rewriter;
import dev.onnxpress.ir.Tensor;
import dev.onnxpress.ir.Value;
import dev.onnxpress.passes.rewrite.Bypass;
import dev.onnxpress.passes.rewrite.RewriteRule;
import dev.onnxpress.passes.rewrite.RuleMatch;
import java.util.Optional;
import java.util.Set;

/**
 * Dropout in inference mode is the identity on its data input, so its output is replaced by that input.
 * Inference mode per opset: 1–6 attribute {@code is_test} non-zero (default 0 = training); 7–11 always
 * (training happens outside ONNX); 12+ input {@code training_mode} omitted or a constant false (the
 * {@code ratio} input does not matter then). The optional mask output must be unread.
 */
final class DropoutRule implements RewriteRule<DropoutRule.Match> {
    record Match(Node node) {
    }

    private final long opset;

    DropoutRule(long opset) {
        this.opset = opset;
    }

    @Override
    public Set<String> targetOps() {
        return Set.of("Dropout");
    }

    @Override
    public RuleMatch<Match> match(Node node, Graph graph) {
        Optional<String> training = trainingMode(node, graph);
        if (training.isPresent()) {
            return RuleMatch.skip(training.get());
        }
        Value mask = node.output(1);
        if (!mask.isNone() && (!mask.uses().isEmpty() || mask.isGraphOutput() || readByName(mask, graph))) {
            return RuleMatch.skip("its mask output '" + mask.name() + "' is read");
        }
        Optional<String> obstacle = Bypass.obstacle(node, node.input(0), node.output(0));
        return obstacle.<RuleMatch<Match>>map(RuleMatch::skip).orElseGet(() -> RuleMatch.of(new Match(node)));
    }

    /** Why the node runs in training mode (so it is not the identity), or empty in inference mode. */
    private Optional<String> trainingMode(Node node, Graph graph) {
        if (opset <= 6) {
            long isTest = node.attrInt("is_test", 0);
            return isTest != 0 ? Optional.empty()
                    : Optional.of("is_test=0: Dropout runs in training mode (opset " + opset + ")");
        }
        if (opset <= 11 || !node.hasInput(2)) {
            return Optional.empty();
        }
        Value flag = node.input(2);
        Optional<Tensor> t = graph.constantValue(flag);
        if (t.isEmpty()) {
            return Optional.of("training_mode input '" + flag.name() + "' is not a constant");
        }
        if (t.get().elementCount() != 1) {
            return Optional.of("training_mode input '" + flag.name() + "' is not a scalar");
        }
        return t.get().toDoubleArray()[0] != 0 ? Optional.of("training_mode input '" + flag.name() + "' is true")
                : Optional.empty();
    }

    private static boolean readByName(Value v, Graph graph) {
        for (Graph g : graph.root().allGraphs()) {
            if (g.outputs().contains(v)) {
                return true;
            }
        }
        return false;
    }

    @Override
    public void rewrite(Match m, Rewriter rw) {
        Node n = m.node();
        Bypass.apply(n, n.input(0), n.output(0), rw);
        rw.removeNode(n);
    }
}
