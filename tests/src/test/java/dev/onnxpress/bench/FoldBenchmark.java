package dev.onnxpress.bench;

import dev.onnxpress.ir.Model;
import dev.onnxpress.ir.ModelReader;
import dev.onnxpress.ir.ModelWriter;
import dev.onnxpress.ir.Node;
import dev.onnxpress.ir.Tensor;
import dev.onnxpress.ir.Value;
import dev.onnxpress.ort.OptimizationLevel;
import dev.onnxpress.ort.OrtRunner;
import dev.onnxpress.passes.PassContext;
import dev.onnxpress.passes.fold.batchnorm.FoldBatchNormOptions;
import dev.onnxpress.passes.fold.batchnorm.FoldBatchNormPass;
import dev.onnxpress.passes.fold.constants.FoldConstantsOptions;
import dev.onnxpress.passes.fold.constants.FoldConstantsPass;
import dev.onnxpress.passes.fold.cse.EliminateCommonSubexpressionsOptions;
import dev.onnxpress.passes.fold.cse.EliminateCommonSubexpressionsPass;
import dev.onnxpress.passes.fold.matmuladd.FuseMatMulAddOptions;
import dev.onnxpress.passes.fold.matmuladd.FuseMatMulAddPass;
import dev.onnxpress.passes.fold.scalebias.FuseScaleBiasOptions;
import dev.onnxpress.passes.fold.scalebias.FuseScaleBiasPass;
import dev.onnxpress.testing.DatalessContext;
import dev.onnxpress.testing.SharedFiles;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * fold_batchnorm + fold_constants + fuse_scale_bias + fuse_matmul_add +
 * eliminate_common_subexpressions against ONNX Runtime's offline BASIC optimizer, per
 * shared model, in one run: wall time (ours: read + five passes + write; ORT: session creation that
 * writes its optimized model), node counts of both outputs, and output equivalence of both against the
 * original (ORT, optimizations off, seeded inputs).
 *
 * <p>Warm-up, the same for both sides: {@value #WARMUP} rounds over every model run both sides (the JVM
 * compiles our code over its first dozens of rounds; ORT is native but its first sessions are slower too).
 * Then {@value #ROUNDS} measured rounds over every model, each round starting at the next model, so no
 * model is always measured first, and every other round ORT runs before ours (one side's file writes still
 * being flushed slow the other); per model the medians, with our time split into read / passes / write. The time
 * ratio is of the two medians; the per-round ratio, the median of ours / ORT within each round, is less moved by
 * load from other processes that comes and goes between rounds.
 * The first warm-up round (cold JVM) is printed as a total over all models for both sides. Not a test: run
 * {@code mvn -q -B -o -pl tests test -Dtest=FoldBenchmark -Dsurefire.failIfNoSpecifiedTests=false}.
 */
class FoldBenchmark {
    private static final int ROUNDS = 15;
    private static final int WARMUP = 15;
    private static final PassContext NO_DATA = new DatalessContext("no data", 1);

    @TempDir
    Path tmp;

    record Row(String model, double oursMs, double readMs, double passMs, double writeMs, double ortMs, double pairedRatio, int nodesIn,
            int oursNodes, int ortNodes,
            boolean oursStandard, boolean ortStandard, double oursErr, double ortErr) {
    }

    @Test
    void againstOrtBasic() {
        Map<String, long[]> models = new LinkedHashMap<>();
        models.put("ultraface_rfb640", new long[] {1, 3, 480, 640});
        models.put("ppocr_cls_mobile_v2", new long[] {1, 3, 48, 192});
        models.put("ppocrv4_det", new long[] {1, 3, 160, 160});
        models.put("ppocrv4_rec", new long[] {1, 3, 48, 320});
        models.put("vgg_bn_fashion", new long[] {8, 1, 28, 28});
        models.put("yolox_nano", new long[] {1, 3, 416, 416});
        models.put("lenet5_fashion", new long[] {8, 1, 28, 28});
        models.put("mnist_cnn", new long[] {1, 1, 28, 28});
        List<String> names = new ArrayList<>(models.keySet());
        double coldOurs = 0;
        double coldOrt = 0;
        for (int r = 0; r < WARMUP; r++) {
            for (String name : names) {
                double[] t = round(name, r % 2 == 1);
                if (r == 0) {
                    coldOurs += t[0];
                    coldOrt += t[4];
                }
            }
        }
        Map<String, List<double[]>> times = new LinkedHashMap<>();
        for (String name : names) {
            times.put(name, new ArrayList<>());
        }
        for (int r = 0; r < ROUNDS; r++) {
            for (int k = 0; k < names.size(); k++) {
                String name = names.get((r + k) % names.size());
                times.get(name).add(round(name, r % 2 == 1));
            }
        }
        List<Row> rows = new ArrayList<>();
        for (Map.Entry<String, long[]> e : models.entrySet()) {
            rows.add(check(e.getKey(), e.getValue(), times.get(e.getKey())));
        }
        StringBuilder sb = new StringBuilder(String.format("%nfirst warm-up round (cold JVM), all models: ours %.1f ms, ORT %.1f ms%n",
                coldOurs, coldOrt));
        sb.append("| model | ours ms (read/passes/write) | ORT BASIC ms | time ratio | per-round ratio | nodes in | ours | ORT"
                + " | standard ops (ours/ORT) | max rel err ours | max rel err ORT |\n|---|---|---|---|---|---|---|---|---|---|---|\n");
        for (Row r : rows) {
            sb.append(String.format("| %s | %.1f (%.1f/%.1f/%.1f) | %.1f | %.2f | %.2f | %d | %d | %d | %s/%s | %.1e | %.1e |%n", r.model,
                    r.oursMs, r.readMs, r.passMs, r.writeMs, r.ortMs, r.oursMs / r.ortMs, r.pairedRatio, r.nodesIn, r.oursNodes, r.ortNodes,
                    r.oursStandard, r.ortStandard, r.oursErr, r.ortErr));
        }
        System.out.println(sb);
    }

    /** One round on one model: ms of ours (total, read, passes, write), then of ORT; either side first. */
    private double[] round(String name, boolean ortFirst) {
        Path src = SharedFiles.model(name);
        Path ours = tmp.resolve(name + ".ours.onnx");
        Path ort = tmp.resolve(name + ".ort.onnx");
        double ortMs = ortFirst ? ort(src, ort) : 0;
        long t0 = System.nanoTime();
        Model m = ModelReader.read(src);
        long ta = System.nanoTime();
        foldPasses(m);
        long tb = System.nanoTime();
        ModelWriter.write(m, ours);
        long t1 = System.nanoTime();
        if (!ortFirst) {
            ortMs = ort(src, ort);
        }
        return new double[] {(t1 - t0) / 1e6, (ta - t0) / 1e6, (tb - ta) / 1e6, (t1 - tb) / 1e6, ortMs};
    }

    /** Our side's passes, in the order the benchmark runs them. */
    static void foldPasses(Model m) {
        new FoldBatchNormPass().run(m, new FoldBatchNormOptions(true), NO_DATA);
        new FoldConstantsPass().run(m, new FoldConstantsOptions(1 << 20), NO_DATA);
        new FuseScaleBiasPass().run(m, new FuseScaleBiasOptions(), NO_DATA);
        new FuseMatMulAddPass().run(m, new FuseMatMulAddOptions(), NO_DATA);
        new EliminateCommonSubexpressionsPass().run(m, new EliminateCommonSubexpressionsOptions(), NO_DATA);
    }

    /** ORT's side: a session with BASIC optimization that writes the optimized model; ms. */
    static double ort(Path src, Path out) {
        long t0 = System.nanoTime();
        try (OrtRunner x = OrtRunner.open(src, OrtRunner.Options.defaults()
                .withOptimization(OptimizationLevel.BASIC).withOptimizedModelPath(out))) {
            x.inputs();
        }
        return (System.nanoTime() - t0) / 1e6;
    }

    private Row check(String name, long[] inputDims, List<double[]> t) {
        Path src = SharedFiles.model(name);
        Path ours = tmp.resolve(name + ".ours.onnx");
        Path ort = tmp.resolve(name + ".ort.onnx");
        Model in = ModelReader.read(src);
        Model a = ModelReader.read(ours);
        Model b = ModelReader.read(ort);
        Value input = in.graph().realInputs().get(0);
        Random rnd = new Random(7);
        float[] x = new float[(int) Tensor.elementCount(inputDims)];
        for (int i = 0; i < x.length; i++) {
            x[i] = rnd.nextFloat() * 2 - 1;
        }
        Map<String, Tensor> feeds = Map.of(input.name(), Tensor.ofFloats(inputDims, x));
        Map<String, Tensor> want = run(src, feeds);
        if (!a.graph().opHistogram().equals(b.graph().opHistogram())) {
            System.out.println(name + " ops ours " + a.graph().opHistogram() + "\n" + name + " ops ORT  "
                    + b.graph().opHistogram());
        }
        List<double[]> ratios = new ArrayList<>();
        for (double[] r : t) {
            ratios.add(new double[] {r[0] / r[4]});
        }
        return new Row(name, median(t, 0), median(t, 1), median(t, 2), median(t, 3), median(t, 4), median(ratios, 0), count(in), count(a),
                count(b),
                standard(a), standard(b), relErr(want, run(ours, feeds)), relErr(want, run(ort, feeds)));
    }

    private static Map<String, Tensor> run(Path model, Map<String, Tensor> feeds) {
        try (OrtRunner r = OrtRunner.open(model)) {
            return r.run(feeds);
        }
    }

    private static double relErr(Map<String, Tensor> want, Map<String, Tensor> got) {
        double scale = 0;
        double max = 0;
        for (Map.Entry<String, Tensor> e : want.entrySet()) {
            double[] w = e.getValue().toDoubleArray();
            double[] g = got.get(e.getKey()).toDoubleArray();
            for (int i = 0; i < w.length; i++) {
                scale = Math.max(scale, Math.abs(w[i]));
                max = Math.max(max, Math.abs(w[i] - g[i]));
            }
        }
        return max / Math.max(scale, 1e-30);
    }

    private static int count(Model m) {
        return m.graph().allNodes().size();
    }

    private static boolean standard(Model m) {
        return m.graph().allNodes().stream().allMatch(Node::isStandard);
    }

    private static double median(List<double[]> rounds, int column) {
        List<Double> s = new ArrayList<>();
        for (double[] r : rounds) {
            s.add(r[column]);
        }
        Collections.sort(s);
        return s.get(s.size() / 2);
    }
}
