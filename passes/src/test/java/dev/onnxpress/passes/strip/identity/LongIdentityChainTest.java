package dev.onnxpress.passes.strip.identity;

import dev.onnxpress.testing.IdentityChains;
import static org.assertj.core.api.Assertions.assertThat;

import dev.onnxpress.ir.DataType;
import dev.onnxpress.ir.Model;
import dev.onnxpress.ir.Rewriter;
import dev.onnxpress.ir.Value;
import dev.onnxpress.passes.PassResult;
import dev.onnxpress.passes.rewrite.RewriteDriver;
import dev.onnxpress.testing.GraphBuilder;
import java.util.List;
import org.junit.jupiter.api.Test;

/** remove_identity on a very long chain: the driver's work stays linear in the number of nodes. */
class LongIdentityChainTest {
    static final int CHAIN = 40_000;

    static Model chain(int n) {
        return IdentityChains.chain(n);
    }

    @Test
    void removesEveryIdentityOfAFortyThousandChainVisitingEachNodeAFewTimes() {
        Model m = chain(CHAIN);
        assertThat(m.graph().nodeCount()).isEqualTo(CHAIN + 1);
        PassResult.Builder result = PassResult.builder();
        RewriteDriver.Outcome out = new RewriteDriver(List.of(new IdentityRule())).apply(m, new Rewriter(m), result);
        assertThat(out.total()).isEqualTo(CHAIN);
        assertThat(out.capped()).isFalse();
        // one sweep that rewrites, one that finds nothing left: each node looked at at most twice
        assertThat(out.sweeps()).isEqualTo(2);
        assertThat(out.nodeVisits()).isLessThanOrEqualTo(2L * (CHAIN + 1));
        assertThat(m.graph().opHistogram()).containsOnlyKeys("Relu");
        assertThat(m.graph().outputs()).extracting(Value::name).containsExactly("y");
        assertThat(m.graph().nodes().get(0).output().name()).isEqualTo("y");
    }

    @Test
    void uniqueNamesForOneHintDoNotRescanTakenSuffixes() {
        Model m = GraphBuilder.model("g").input("x", DataType.FLOAT, 2).output("x").build();
        Rewriter rw = new Rewriter(m);
        for (int i = 0; i < 100_000; i++) {
            rw.uniqueName("t");
        }
        // the memo only skips suffixes that are taken: the next free one is still found
        assertThat(rw.uniqueName("t")).isEqualTo("t_100000");
        assertThat(rw.uniqueName("x")).isEqualTo("x_1");
        assertThat(rw.uniqueName("t_3")).isEqualTo("t_3_1");
    }
}
