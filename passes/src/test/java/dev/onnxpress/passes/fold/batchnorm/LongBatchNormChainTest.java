package dev.onnxpress.passes.fold.batchnorm;

import static dev.onnxpress.passes.fold.FoldFixtures.assertClose;
import static dev.onnxpress.passes.fold.FoldFixtures.count;
import static dev.onnxpress.passes.fold.FoldFixtures.random;
import static org.assertj.core.api.Assertions.assertThat;

import dev.onnxpress.ir.DataType;
import dev.onnxpress.ir.Graph;
import dev.onnxpress.ir.Model;
import dev.onnxpress.ir.Rewriter;
import dev.onnxpress.ir.Value;
import dev.onnxpress.passes.PassResult;
import dev.onnxpress.passes.rewrite.RewriteDriver;
import dev.onnxpress.testing.GraphBuilder;
import dev.onnxpress.testing.OrtEquivalence;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * fold_batchnorm on long chains: the driver's work (nodes looked at, rule matches tried) stays within a
 * fixed multiple of the node count, so the pass is not quadratic in graph size. Counted, not timed.
 */
class LongBatchNormChainTest {
    static final int C = 2;

    /**
     * {@code units} × (Conv → BN → Relu → BN) then a last Conv: every first BN folds backward into its
     * Conv, every second one (after a Relu) forward into the next Conv. 4·units + 1 nodes. Built through
     * the Rewriter, holding each value, since the builder looks values up by name (a scan per lookup).
     */
    static Model chain(int units) {
        GraphBuilder b = GraphBuilder.model("chain").input("x", DataType.FLOAT, 1, C, 3, 3);
        Graph g = b.graph();
        Rewriter rw = b.rewriter();
        Value prev = b.value("x");
        for (int i = 0; ; i++) {
            Value w = rw.addInitializer(g, "w" + i, random(DataType.FLOAT, 7L * i, -1, 1, C, C, 1, 1));
            prev = rw.add(g, "Conv", "Conv", List.of(prev, w), Map.of());
            if (i == units) {
                break;
            }
            prev = rw.add(g, "BatchNormalization", "BN", bn(rw, g, prev, 1000L + 8 * i), Map.of());
            prev = rw.add(g, "Relu", "Relu", List.of(prev), Map.of());
            prev = rw.add(g, "BatchNormalization", "BN", bn(rw, g, prev, 1004L + 8 * i), Map.of());
        }
        rw.rename(prev, "y");
        return b.output("y").build();
    }

    /** x and BN parameters γ, β, mean, var with a non-zero shift. */
    private static List<Value> bn(Rewriter rw, Graph g, Value x, long seed) {
        return List.of(x, rw.addInitializer(g, "g", random(DataType.FLOAT, seed, 0.5, 1.5, C)),
                rw.addInitializer(g, "b", random(DataType.FLOAT, seed + 1, -1, 1, C)),
                rw.addInitializer(g, "m", random(DataType.FLOAT, seed + 2, -1, 1, C)),
                rw.addInitializer(g, "v", random(DataType.FLOAT, seed + 3, 0.1, 2, C)));
    }

    static RewriteDriver.Outcome fold(Model m, PassResult.Builder result) {
        return new RewriteDriver(FoldBatchNormPass.rules(m.defaultOpset(), true)).apply(m, new Rewriter(m), result);
    }

    @Test
    void foldsAShortChainExactly() {
        Model m = chain(20);
        OrtEquivalence before = OrtEquivalence.capture(m);
        fold(m, PassResult.builder());
        assertThat(count(m, "BatchNormalization")).isZero();
        assertClose(before, m, 1e-5);
    }

    @Test
    void aFiveThousandUnitChainCostsAFixedNumberOfMatchesPerNode() {
        int units = 5_000;
        Model m = chain(units);
        long nodes = m.graph().nodeCount();
        assertThat(nodes).isEqualTo(4L * units + 1);
        PassResult.Builder result = PassResult.builder();
        RewriteDriver.Outcome o = fold(m, result);
        assertThat(o.of("FoldIntoProducerRule")).isEqualTo(units);
        assertThat(o.of("FoldIntoNextConvRule")).isEqualTo(units);
        assertThat(m.graph().opHistogram()).containsOnlyKeys("Conv", "Relu");
        assertThat(result.build(true).skips()).isEmpty();
        // one sweep that folds every BN, one that finds nothing left to do
        assertThat(o.sweeps()).isEqualTo(2);
        assertThat(o.capped()).isFalse();
        // every node looked at once per sweep; a BN tried against at most its three rules per sweep
        assertThat(o.nodeVisits()).isLessThanOrEqualTo(2 * nodes);
        assertThat(o.matchAttempts()).isLessThanOrEqualTo(3 * 2L * units);
    }
}
