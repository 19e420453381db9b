package dev.onnxpress.bench;

import dev.onnxpress.quant.QuantBench;
import org.junit.jupiter.api.Test;

/**
 * Float vs int8 vs ternary vs binary on the shared models, in one run: accuracy (full test sets) or
 * fidelity (cosine vs float on seeded probes), file size and ORT batch-1 latency (optimizations ALL,
 * one intra-op thread), each as a ratio to the float model measured in the same run. Prints a markdown
 * table. Not a test: run it by name. No timing is asserted.
 */
class QuantizationBenchmark {
    @Test
    void floatVsInt8VsTernaryVsBinary() {
        System.out.println();
        System.out.println(QuantBench.table());
    }
}
