package dev.onnxpress.ort;

import static org.assertj.core.api.Assertions.assertThat;

import dev.onnxpress.ir.DataType;
import dev.onnxpress.ir.Tensor;
import dev.onnxpress.testing.ProtoModels;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PairedLatencyTest {

    /** y = x·W repeated {@code layers} times, W a [n, n] matrix. */
    static byte[] chain(int layers, int n) {
        ProtoModels g = ProtoModels.graph("chain").input("x", DataType.FLOAT, 1, n);
        float[] w = new float[n * n];
        for (int i = 0; i < n; i++) {
            w[i * n + i] = 1;
        }
        g.initializer("w", Tensor.ofFloats(new long[] {n, n}, w));
        String prev = "x";
        for (int i = 0; i < layers; i++) {
            String next = i == layers - 1 ? "y" : "h" + i;
            g.node("MatMul", List.of(prev, "w"), List.of(next));
            prev = next;
        }
        return g.output("y", DataType.FLOAT, 1, n).toBytes();
    }

    static Map<String, Tensor> feeds(int n) {
        return Map.of("x", Tensor.ofFloats(new long[] {1, n}, new float[n]));
    }

    @Test
    void twoIdenticalModelsAreTheSameInAtLeast95PercentOf20Trials() {
        byte[] model = chain(2, 16);
        List<LatencyComparison> results = new ArrayList<>();
        try (OrtRunner a = OrtRunner.open(model); OrtRunner b = OrtRunner.open(model);
             OrtRunner.Timer ta = a.timer(feeds(16)); OrtRunner.Timer tb = b.timer(feeds(16))) {
            for (int trial = 0; trial < 20; trial++) {
                results.add(PairedLatency.compare(ta, tb, LatencyMode.QUICK));
            }
        }
        long same = results.stream().filter(r -> r.verdict() == LatencyComparison.Verdict.SAME).count();
        assertThat(same).as("%s", results).isGreaterThanOrEqualTo(19);
        assertThat(results).allSatisfy(r -> {
            assertThat(r.rounds()).isGreaterThanOrEqualTo(LatencyMode.QUICK.minRounds());
            assertThat(r.speedupLow()).isLessThanOrEqualTo(r.speedup());
            assertThat(r.speedupHigh()).isGreaterThanOrEqualTo(r.speedup());
        });
    }

    @Test
    void aModelDoingFarMoreWorkIsSlower() {
        try (OrtRunner a = OrtRunner.open(chain(1, 64)); OrtRunner b = OrtRunner.open(chain(40, 64));
             OrtRunner.Timer ta = a.timer(feeds(64)); OrtRunner.Timer tb = b.timer(feeds(64))) {
            LatencyComparison slower = PairedLatency.compare(ta, tb, LatencyMode.QUICK);
            assertThat(slower.verdict()).as("%s", slower).isEqualTo(LatencyComparison.Verdict.SLOWER);
            assertThat(slower.speedup()).isLessThan(1);
            LatencyComparison faster = PairedLatency.compare(tb, ta, LatencyMode.QUICK);
            assertThat(faster.verdict()).as("%s", faster).isEqualTo(LatencyComparison.Verdict.FASTER);
            assertThat(faster.candidateMs()).isLessThan(faster.originalMs());
        }
    }

    /** y = x·W once when sum(x) <= 0, else {@code heavy} times: the work depends on the input (an If). */
    static byte[] branchy(int heavy, int n) {
        ProtoModels g = ProtoModels.graph("branchy").input("x", DataType.FLOAT, 1, n);
        float[] w = new float[n * n];
        for (int i = 0; i < n; i++) {
            w[i * n + i] = 1;
        }
        g.initializer("w", Tensor.ofFloats(new long[] {n, n}, w));
        g.initializer("zero", Tensor.ofFloats(new long[] {}, new float[] {0}));
        g.node("ReduceSum", List.of("x"), List.of("s"), Map.of("keepdims", 0L));
        g.node("Greater", List.of("s", "zero"), List.of("c"));
        ProtoModels then = ProtoModels.graph("then");
        String prev = "x";
        for (int i = 0; i < heavy; i++) {
            String next = i == heavy - 1 ? "yt" : "t" + i;
            then.node("MatMul", List.of(prev, "w"), List.of(next));
            prev = next;
        }
        then.output("yt", DataType.FLOAT, 1, n);
        ProtoModels otherwise = ProtoModels.graph("else").node("MatMul", List.of("x", "w"), List.of("ye"))
                .output("ye", DataType.FLOAT, 1, n);
        g.node("If", List.of("c"), List.of("y"), Map.of("then_branch", then.toModel().getGraph(),
                "else_branch", otherwise.toModel().getGraph()));
        return g.output("y", DataType.FLOAT, 1, n).toBytes();
    }

    static Map<String, Tensor> filled(int n, float v) {
        float[] x = new float[n];
        java.util.Arrays.fill(x, v);
        return Map.of("x", Tensor.ofFloats(new long[] {1, n}, x));
    }

    @Test
    void aTimerOverSeveralSamplesTimesTheMeanOfAModelWhoseWorkDependsOnItsInput() {
        int n = 256;
        try (OrtRunner r = OrtRunner.open(branchy(40, n));
             OrtRunner.Timer heavy = r.timer(filled(n, 1));
             OrtRunner.Timer light = r.timer(filled(n, -1));
             OrtRunner.Timer mixed = r.timer(List.of(filled(n, 1), filled(n, -1)))) {
            assertThat(mixed.cycle()).isEqualTo(2);
            double h = PairedLatency.measure(heavy, LatencyMode.QUICK).medianMs();
            double l = PairedLatency.measure(light, LatencyMode.QUICK).medianMs();
            double m = PairedLatency.measure(mixed, LatencyMode.QUICK).medianMs();
            // one sample's path would be h or l; the cycle runs both in turn: about their mean
            assertThat(h).isGreaterThan(3 * l);
            assertThat(m).as("heavy %s, light %s, mixed %s", h, l, m).isLessThan(0.8 * h).isGreaterThan(1.25 * l);
        }
        assertThat(PairedLatency.cycles(5, 1)).isEqualTo(5);
        assertThat(PairedLatency.cycles(5, 2)).isEqualTo(6);
        assertThat(PairedLatency.cycles(64, 64)).isEqualTo(64);
        assertThat(PairedLatency.cycles(1, 64)).isEqualTo(64);
    }

    @Test
    void tooFewRoundsClaimNothing() {
        byte[] model = chain(1, 8);
        try (OrtRunner a = OrtRunner.open(model); OrtRunner.Timer t = a.timer(feeds(8))) {
            LatencyComparison r = PairedLatency.compare(t, t, LatencyMode.QUICK.withMaxRounds(3));
            assertThat(r.rounds()).isEqualTo(3);
            assertThat(r.verdict()).isEqualTo(LatencyComparison.Verdict.UNCERTAIN);
            assertThat(r.significant()).isFalse();
            LatencyStats one = PairedLatency.measure(t, LatencyMode.QUICK.withMaxRounds(5));
            assertThat(one.iterations()).isEqualTo(5);
            assertThat(one.medianMs()).isPositive();
        }
    }

    @Test
    void medianIntervalUsesOrderStatistics() {
        double[] v = new double[100];
        for (int i = 0; i < v.length; i++) {
            v[i] = i + 1;
        }
        double[] ci = PairedLatency.interval(v);
        // ranks 50 ± 9.8: the classic 95 % interval of a median of 100 values is x(40) .. x(61)
        assertThat(ci).containsExactly(40, 61);
        assertThat(PairedLatency.interval(new double[7])).isNull();
    }
}
