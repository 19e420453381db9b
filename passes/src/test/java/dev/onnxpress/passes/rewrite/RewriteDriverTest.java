package dev.onnxpress.passes.rewrite;

import static org.assertj.core.api.Assertions.assertThat;

import dev.onnxpress.ir.Attr;
import dev.onnxpress.ir.DataType;
import dev.onnxpress.ir.Graph;
import dev.onnxpress.ir.Model;
import dev.onnxpress.ir.Node;
import dev.onnxpress.ir.Rewriter;
import dev.onnxpress.passes.PassResult;
import dev.onnxpress.testing.GraphBuilder;
import dev.onnxpress.testing.OrtEquivalence;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RewriteDriverTest {

    /** Neg(Neg(x)) → x; a Neg whose input is not a Neg is declined. */
    static final class DoubleNegRule implements RewriteRule<DoubleNegRule.Match> {
        record Match(Node outer, Node inner) {
        }

        @Override
        public Set<String> targetOps() {
            return Set.of("Neg");
        }

        @Override
        public RuleMatch<Match> match(Node node, Graph graph) {
            return node.input(0).producer().filter(p -> p.is("Neg"))
                    .<RuleMatch<Match>>map(p -> RuleMatch.of(new Match(node, p)))
                    .orElseGet(() -> RuleMatch.skip("input is not a Neg"));
        }

        @Override
        public void rewrite(Match m, Rewriter rw) {
            rw.replaceAllUses(m.outer().output(), m.inner().input(0));
            rw.removeNode(m.outer());
            if (m.inner().output().uses().isEmpty() && !m.inner().output().isGraphOutput()) {
                rw.removeNode(m.inner());
            }
        }
    }

    /** Never settles: flips an attribute on every visit. */
    static final class FlipRule implements RewriteRule<Node> {
        @Override
        public Set<String> targetOps() {
            return Set.of("Relu");
        }

        @Override
        public RuleMatch<Node> match(Node node, Graph graph) {
            return RuleMatch.of(node);
        }

        @Override
        public void rewrite(Node n, Rewriter rw) {
            rw.setAttr(n, "flip", Attr.of(1 - n.attrInt("flip", 0)));
        }
    }

    /** Marks an unmarked Relu (the node stays). */
    static final class MarkRule implements RewriteRule<Node> {
        @Override
        public Set<String> targetOps() {
            return Set.of("Relu");
        }

        @Override
        public RuleMatch<Node> match(Node node, Graph graph) {
            return node.attrInt("marked", 0) == 0 ? RuleMatch.of(node) : RuleMatch.none();
        }

        @Override
        public void rewrite(Node n, Rewriter rw) {
            rw.setAttr(n, "marked", Attr.of(1L));
        }
    }

    /** Removes a marked Relu whose input is the graph's input x (x then takes the output's place). */
    static final class DropMarkedRule implements RewriteRule<Node> {
        @Override
        public Set<String> targetOps() {
            return Set.of("Relu");
        }

        @Override
        public RuleMatch<Node> match(Node node, Graph graph) {
            return node.attrInt("marked", 0) == 1 ? RuleMatch.of(node) : RuleMatch.none();
        }

        @Override
        public void rewrite(Node n, Rewriter rw) {
            rw.replaceAllUses(n.output(), n.input(0));
            rw.removeNode(n);
        }
    }

    private static GraphBuilder negChain(GraphBuilder b, String from, int count, String to) {
        String prev = from;
        for (int i = 0; i < count; i++) {
            String next = i == count - 1 ? to : to + "_neg" + i;
            b.node("Neg", List.of(prev), List.of(next));
            prev = next;
        }
        return b;
    }

    @Test
    void reachesAFixedPointAndReportsOnlyTheLastSweepsSkips() {
        GraphBuilder b = GraphBuilder.model("g").input("x", DataType.FLOAT, 3);
        Model m = negChain(b, "x", 4, "n").node("Relu", List.of("n"), List.of("y"))
                .output("y", DataType.FLOAT, 3).build();
        OrtEquivalence before = OrtEquivalence.capture(m);
        PassResult.Builder result = PassResult.builder();
        RewriteDriver.Outcome o = new RewriteDriver(List.of(new DoubleNegRule())).apply(m, new Rewriter(m), result);
        assertThat(o.of("DoubleNegRule")).isEqualTo(2);
        assertThat(o.sweeps()).isEqualTo(2);
        assertThat(o.capped()).isFalse();
        // the first sweep declined two Negs that later rewrites removed: not reported
        assertThat(result.build(true).skips()).isEmpty();
        assertThat(m.graph().opHistogram()).containsOnlyKeys("Relu");
        before.assertBitIdentical(m);
    }

    @Test
    void reportsWhatStaysDeclinedAndWorksInsideSubgraphs() {
        GraphBuilder b = GraphBuilder.model("g").input("x", DataType.FLOAT, 3).input("c", DataType.BOOL);
        Model m = negChain(b, "x", 5, "n")
                .ifNode("c", List.of("y"),
                        t -> negChain(t, "n", 4, "t").node("Relu", List.of("t"), List.of("tr")).output("tr"),
                        e -> e.node("Abs", List.of("n"), List.of("e")).output("e"))
                .output("y", DataType.FLOAT, 3).build();
        for (int cond = 0; cond <= 1; cond++) {
            Model copy = m.copy();
            OrtEquivalence before = OrtEquivalence.capture(copy, java.util.Map.of(
                    "x", dev.onnxpress.ir.Tensor.ofFloats(new long[] {3}, -1, 0.5f, 2),
                    "c", dev.onnxpress.ir.Tensor.ofBytes(DataType.BOOL, new long[0], (byte) cond)));
            PassResult.Builder result = PassResult.builder();
            RewriteDriver.Outcome o = new RewriteDriver(List.of(new DoubleNegRule()))
                    .apply(copy, new Rewriter(copy), result);
            // outer chain of 5 → one Neg 'n' (2 rewrites); the branch's first Neg pairs with the outer 'n'
            // (an outer-scope read), the next two pair up, one is left (2 rewrites)
            assertThat(o.total()).isEqualTo(4);
            assertThat(o.sweeps()).isEqualTo(2);
            assertThat(result.build(true).skips()).extracting(PassResult.Skip::where, PassResult.Skip::reason)
                    .containsExactly(org.assertj.core.groups.Tuple.tuple("Neg_4", "input is not a Neg"),
                            org.assertj.core.groups.Tuple.tuple("Neg_8", "input is not a Neg"));
            assertThat(copy.graph().allNodes().stream().filter(n -> n.is("Neg")).count()).isEqualTo(2);
            before.assertBitIdentical(copy);
        }
    }

    @Test
    void stopsAtTheIterationCapWithANote() {
        Model m = GraphBuilder.model("g").input("x", DataType.FLOAT, 3)
                .node("Relu", List.of("x"), List.of("y")).output("y", DataType.FLOAT, 3).build();
        PassResult.Builder result = PassResult.builder();
        RewriteDriver.Outcome o = new RewriteDriver(List.of(new FlipRule()), 5).apply(m, new Rewriter(m), result);
        assertThat(o.sweeps()).isEqualTo(5);
        assertThat(o.capped()).isTrue();
        assertThat(o.of("FlipRule")).isEqualTo(5);
        assertThat(result.build(true).notes()).containsExactly(
                "rewrite rules stopped after 5 sweeps without reaching a fixed point");
    }

    /** A node a rewrite keeps goes on to the next rules in the same sweep; a removed one to none. */
    @Test
    void aNodeKeptByARewriteIsOfferedToTheNextRulesInTheSameSweep() {
        for (boolean markFirst : new boolean[] {true, false}) {
            Model m = GraphBuilder.model("g").input("x", DataType.FLOAT, 3)
                    .node("Relu", List.of("x"), List.of("r")).node("Neg", List.of("r"), List.of("y"))
                    .output("y", DataType.FLOAT, 3).build();
            List<RewriteRule<?>> rules = markFirst ? List.of(new MarkRule(), new DropMarkedRule())
                    : List.of(new DropMarkedRule(), new MarkRule());
            RewriteDriver.Outcome o = new RewriteDriver(rules).apply(m, new Rewriter(m), PassResult.builder());
            assertThat(m.graph().opHistogram()).containsOnlyKeys("Neg");
            assertThat(o.of("MarkRule")).isEqualTo(1);
            assertThat(o.of("DropMarkedRule")).isEqualTo(1);
            // in rule order: mark then drop in one sweep; the other order needs a second sweep to drop
            assertThat(o.sweeps()).isEqualTo(markFirst ? 2 : 3);
            // sweep 1: Relu (2 rules) and Neg (none); later sweeps: Relu if still there
            assertThat(o.matchAttempts()).isEqualTo(markFirst ? 2 : 2 + 1);
        }
    }
}
