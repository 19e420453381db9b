package dev.onnxpress.bench;

import dev.onnxpress.testing.IdentityChains;
import dev.onnxpress.ir.Model;
import dev.onnxpress.passes.PassResult;
import dev.onnxpress.passes.strip.identity.RemoveIdentityOptions;
import dev.onnxpress.passes.strip.identity.RemoveIdentityPass;
import dev.onnxpress.testing.DatalessContext;
import org.junit.jupiter.api.Test;

/**
 * remove_identity on chains of 10,000 to 160,000 Identity nodes: wall time per size (doubling the chain
 * should about double the time). Prints a table; asserts nothing about time. Run it by name.
 */
class RemoveIdentityChainBenchmark {
    static Model chain(int n) {
        return IdentityChains.chain(n);
    }

    @Test
    void chainsOfIdentities() {
        System.out.println("| identities | build ms | remove_identity ms | removed |");
        for (int n = 10_000; n <= 160_000; n *= 2) {
            long t0 = System.nanoTime();
            Model m = chain(n);
            long t1 = System.nanoTime();
            PassResult r = new RemoveIdentityPass().run(m, new RemoveIdentityOptions(), new DatalessContext("remove_identity needs no data", 1));
            long t2 = System.nanoTime();
            System.out.printf("| %d | %d | %d | %s |%n", n, (t1 - t0) / 1_000_000, (t2 - t1) / 1_000_000,
                    r.statistics().get("nodes_removed"));
        }
    }
}
