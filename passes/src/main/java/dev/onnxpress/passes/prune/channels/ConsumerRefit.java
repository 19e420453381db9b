package dev.onnxpress.passes.prune.channels;

import dev.onnxpress.ir.Graph;
import dev.onnxpress.ir.Model;
import dev.onnxpress.ir.ModelWriter;
import dev.onnxpress.ir.Node;
import dev.onnxpress.ir.Tensor;
import dev.onnxpress.passes.core.ConstantEditor;
import dev.onnxpress.passes.core.FitReference;
import dev.onnxpress.passes.prune.channels.PruneChannelsOptions.RefitRidge;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;

/**
 * ThiNet-style compensation: after pruning, each consumer (Conv with group 1 and 2-D kernel, Gemm with
 * alpha = beta = 1, MatMul) whose input lost channels gets new weights W' (and bias) solving
 * min ‖X'W' − Y‖² + λ‖W'‖², where X' is its input in the pruned model (im2col patches for a Conv, at
 * randomly sampled output positions) and Y its output in the unpruned model, restricted to the output
 * channels it keeps. Consumers are refit in topological order, each on a fresh run of the pruned model,
 * so a later layer also absorbs the error left by earlier ones; when one run per consumer would cost more
 * than {@link FitReference#DEFAULT_RUN_WORK}, consecutive consumers share a run (see
 * {@link FitReference#perGroup}) and a consumer absorbs the errors of the groups before its own. λ is {@link #RIDGE} (relative to the mean
 * input energy) or, with refit_ridge=held_out, the candidate of {@link #RIDGES} whose fit on four fifths
 * of the rows leaves the least error on the other fifth; the final fit then uses all rows.
 */
final class ConsumerRefit {
    static final double RIDGE = 1e-3;
    /** refit_ridge=held_out candidates (relative to the mean input energy), a log grid around {@link #RIDGE}. */
    static final double[] RIDGES = {1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1, 10};
    /** refit_ridge=held_out keeps every HOLD_OUT-th row out of the fit to score the candidates. */
    static final int HOLD_OUT = 5;

    /** What one refit achieved: relative squared output error before and after, and the ridge used. */
    record Outcome(String layer, long rows, double errorBefore, double errorAfter, double ridge) {
    }

    private final Model model;
    private final ConstantEditor ed;
    private final List<Map<String, Tensor>> batches;
    private final Random random;
    private final RefitRidge ridge;
    /** The solves' factor buffers, reused consumer after consumer (consumers are fitted one at a time). */
    private final RidgeSolver.Scratch scratch = new RidgeSolver.Scratch();

    ConsumerRefit(Model model, ConstantEditor ed, List<Map<String, Tensor>> batches, Random random,
            RefitRidge ridge) {
        this.model = model;
        this.ed = ed;
        this.batches = batches;
        this.random = random;
        this.ridge = ridge;
    }

    /**
     * Refits {@code consumers} of the (already pruned) model against {@code original}; {@code keptOutputs}
     * gives, per consumer, the original output channels it still computes.
     */
    List<Outcome> run(byte[] original, List<Node> consumers, Map<Node, int[]> keptOutputs,
            java.util.function.Consumer<String> skip) {
        List<Outcome> out = new ArrayList<>();
        List<Node> fit = new ArrayList<>();
        for (Node n : consumers) {
            Optional<String> why = unsupported(n);
            if (why.isPresent()) {
                skip.accept(n.label() + ": " + why.get());
            } else {
                fit.add(n);
            }
        }
        if (fit.isEmpty()) {
            return out;
        }
        // targets from the unpruned model, at positions chosen once per consumer
        List<Problem> problems = new ArrayList<>();
        for (Node n : fit) {
            problems.add(new Problem(n, keptOutputs.get(n)));
        }
        List<String> names = fit.stream().map(n -> n.output(0).name()).toList();
        TapRunner.run(original, names, batches, (b, taps) -> {
            for (Problem p : problems) {
                p.collectTargets(b, taps.get(p.node.output(0).name()));
            }
        });
        // one run of the pruned model per consumer while that is affordable, else consumers share runs
        // (FitReference.grams' policy): a consumer then sees the refits of the groups before its own
        int perGroup = FitReference.perGroup(model, problems.size(), samples(), FitReference.DEFAULT_RUN_WORK);
        int at = 0;
        while (at < problems.size()) {
            List<Problem> group = new ArrayList<>();
            long bytes = 0;
            Graph g = model.graph();
            while (at < problems.size() && group.size() < perGroup) {
                Problem p = problems.get(at);
                long f = g.constantValue(p.node.input(1)).map(w -> w.elementCount() / Math.max(1, w.dim(0)) + 1)
                        .orElse(1L);
                if (!group.isEmpty() && bytes + 16 * f * f > FitReference.DEFAULT_GRAM_BUDGET) {
                    break;
                }
                bytes += 16 * f * f;
                group.add(p);
                at++;
            }
            byte[] now = ModelWriter.toBytes(model);
            List<Tensor> weights = new ArrayList<>();
            List<String> inputs = new ArrayList<>();
            for (Problem p : group) {
                weights.add(g.constantValue(p.node.input(1)).orElseThrow());
                inputs.add(p.node.input(0).name());
            }
            TapRunner.run(now, inputs, batches, (b, taps) -> {
                for (int i = 0; i < group.size(); i++) {
                    group.get(i).collectRows(b, taps.get(inputs.get(i)), weights.get(i));
                }
            });
            now = null;
            for (int i = 0; i < group.size(); i++) {
                Problem p = group.get(i);
                Optional<Tensor> bias = p.node.hasInput(2) ? g.constantValue(p.node.input(2)) : Optional.empty();
                p.apply(weights.get(i), bias).ifPresent(out::add);
            }
        }
        return out;
    }

    /** Samples in the batches, counted once: a batch of generated data is generated again on every read. */
    private long samples() {
        if (sampleCount < 0) {
            sampleCount = dev.onnxpress.passes.core.LayerGram.samples(batches);
        }
        return sampleCount;
    }

    private long sampleCount = -1;

    private static Optional<String> unsupported(Node n) {
        return switch (n.opType()) {
            case "Conv" -> {
                long[] k = n.attrInts("kernel_shape").orElse(null);
                String pad = n.attrString("auto_pad", "NOTSET");
                if (n.attrInt("group", 1) != 1) {
                    yield Optional.of("grouped Conv is not refit");
                }
                if (!pad.equals("NOTSET") && !pad.equals("VALID")) {
                    yield Optional.of("auto_pad " + pad + " is not refit");
                }
                yield k != null && k.length != 2 ? Optional.of("only 2-D Conv is refit") : Optional.empty();
            }
            case "Gemm" -> n.attrFloat("alpha", 1f) != 1f || n.attrFloat("beta", 1f) != 1f
                    || n.attrInt("transA", 0) != 0 ? Optional.of("Gemm with alpha/beta/transA is not refit")
                    : Optional.empty();
            case "MatMul" -> Optional.empty();
            default -> Optional.of(n.opType() + " is not refit");
        };
    }

    /** One consumer's least-squares problem. */
    private final class Problem {
        final Node node;
        final int[] keptOut;
        final boolean conv;
        final boolean hasBias;
        /** Per batch: the sampled (sample, position) pairs and the targets there. */
        final Map<Integer, List<int[]>> positions = new java.util.HashMap<>();
        final Map<Integer, List<float[]>> targets = new java.util.HashMap<>();
        long[] outDims;
        RidgeSolver solver;
        /** Rows held out of {@link #solver} to choose the ridge (refit_ridge=held_out). */
        RidgeSolver held;
        long rowCount;

        Problem(Node node, int[] keptOut) {
            this.node = node;
            this.keptOut = keptOut;
            this.conv = node.opType().equals("Conv");
            this.hasBias = !node.opType().equals("MatMul");
        }

        void collectTargets(int batch, Tensor y) {
            outDims = y.dims();
            float[] v = y.toFloatArray();
            List<int[]> pos = new ArrayList<>();
            // the outputs' float values as they are (exact; half the memory of doubles)
            List<float[]> tgt = new ArrayList<>();
            if (conv) {
                int n = (int) outDims[0];
                int c = (int) outDims[1];
                int hw = (int) (outDims[2] * outDims[3]);
                int per = Math.min(hw, perSample(hw));
                for (int s = 0; s < n; s++) {
                    for (int k = 0; k < per; k++) {
                        int p = per == hw ? k : random.nextInt(hw);
                        pos.add(new int[] {s, p});
                        float[] t = new float[keptOut.length];
                        for (int o = 0; o < keptOut.length; o++) {
                            t[o] = v[(s * c + keptOut[o]) * hw + p];
                        }
                        tgt.add(t);
                    }
                }
            } else {
                int units = (int) outDims[outDims.length - 1];
                int rows = v.length / units;
                for (int r = 0; r < rows; r++) {
                    pos.add(new int[] {r, 0});
                    float[] t = new float[keptOut.length];
                    for (int o = 0; o < keptOut.length; o++) {
                        t[o] = v[r * units + keptOut[o]];
                    }
                    tgt.add(t);
                }
            }
            positions.put(batch, pos);
            targets.put(batch, tgt);
        }

        /** Output positions per sample: enough rows for about four per unknown, 4096 at least. */
        private int perSample(int hw) {
            long samples = samples();
            Tensor w = model.graph().constantValue(node.input(1)).orElseThrow();
            long features = w.elementCount() / Math.max(1, w.dim(0)) + 1;
            long want = Math.max(4096, 4 * features);
            return (int) Math.max(1, Math.min(hw, (want + samples - 1) / Math.max(1, samples)));
        }

        void collectRows(int batch, Tensor x, Tensor w) {
            float[] v = x.toFloatArray();
            long[] d = x.dims();
            List<int[]> pos = positions.get(batch);
            List<float[]> tgt = targets.get(batch);
            if (conv) {
                int c = (int) d[1];
                int h = (int) d[2];
                int wd = (int) d[3];
                long[] k = {w.dim(2), w.dim(3)};
                long[] strides = node.attrInts("strides").orElse(new long[] {1, 1});
                long[] dil = node.attrInts("dilations").orElse(new long[] {1, 1});
                long[] pads = node.attrString("auto_pad", "NOTSET").equals("VALID") ? new long[4]
                        : node.attrInts("pads").orElse(new long[4]);
                int ow = (int) outDims[3];
                int f = (int) (c * k[0] * k[1]);
                if (solver == null) {
                    solver = new RidgeSolver(f + 1, keptOut.length);
                    held = ridge == RefitRidge.held_out ? new RidgeSolver(f + 1, keptOut.length) : null;
                }
                double[] row = new double[f + 1];
                for (int r = 0; r < pos.size(); r++) {
                    int s = pos.get(r)[0];
                    int oy = pos.get(r)[1] / ow;
                    int ox = pos.get(r)[1] % ow;
                    int q = 0;
                    for (int ci = 0; ci < c; ci++) {
                        for (int ky = 0; ky < k[0]; ky++) {
                            int iy = (int) (oy * strides[0] - pads[0] + ky * dil[0]);
                            for (int kx = 0; kx < k[1]; kx++) {
                                int ix = (int) (ox * strides[1] - pads[1] + kx * dil[1]);
                                row[q++] = iy < 0 || iy >= h || ix < 0 || ix >= wd ? 0
                                        : v[((s * c + ci) * h + iy) * wd + ix];
                            }
                        }
                    }
                    row[f] = 1;
                    route(row, tgt.get(r));
                }
            } else {
                int f = (int) d[d.length - 1];
                if (solver == null) {
                    solver = new RidgeSolver(f + (hasBias ? 1 : 0), keptOut.length);
                    held = ridge == RefitRidge.held_out ? new RidgeSolver(f + (hasBias ? 1 : 0), keptOut.length)
                            : null;
                }
                double[] row = new double[f + (hasBias ? 1 : 0)];
                for (int r = 0; r < pos.size(); r++) {
                    int base = pos.get(r)[0] * f;
                    for (int i = 0; i < f; i++) {
                        row[i] = v[base + i];
                    }
                    if (hasBias) {
                        row[f] = 1;
                    }
                    route(row, tgt.get(r));
                }
            }
        }

        private void route(double[] row, float[] target) {
            boolean hold = ridge == RefitRidge.held_out && rowCount++ % HOLD_OUT == HOLD_OUT - 1;
            (hold ? held : solver).addRow(row, target);
        }

        /** The ridge with the least error on the held-out rows when fitted on the others. */
        private double chooseRidge() {
            if (ridge == RefitRidge.fixed || held == null || held.rows() == 0) {
                return RIDGE;
            }
            double best = RIDGE;
            double bestErr = Double.POSITIVE_INFINITY;
            for (double l : RIDGES) {
                Optional<double[][]> sol = solver.solve(l, scratch);
                double err = sol.isPresent() ? held.relativeError(sol.get()) : Double.POSITIVE_INFINITY;
                if (err < bestErr) {
                    best = l;
                    bestErr = err;
                }
            }
            return best;
        }

        /**
         * Writes the solution when it beats the sliced weights on the calibration rows, then lets go of the
         * consumer's rows, targets and systems (the refit of every consumer must not stay alive to the end).
         */
        Optional<Outcome> apply(Tensor w, Optional<Tensor> bias) {
            try {
                return fit(w, bias);
            } finally {
                solver = null;
                held = null;
                positions.clear();
                targets.clear();
            }
        }

        private Optional<Outcome> fit(Tensor w, Optional<Tensor> bias) {
            if (solver == null) {
                return Optional.empty();
            }
            double lambda = chooseRidge();
            // the held-out rows join the others in place (the split is no longer needed)
            RidgeSolver all = held == null ? solver : solver.absorb(held);
            held = null;
            double[][] current = currentWeights(w, bias);
            double before = all.relativeError(current);
            Optional<double[][]> sol = all.solve(lambda, scratch);
            if (sol.isEmpty()) {
                return Optional.empty();
            }
            double after = all.relativeError(sol.get());
            if (!(after < before)) {
                return Optional.of(new Outcome(node.label(), all.rows(), before, before, lambda));
            }
            write(w, sol.get());
            return Optional.of(new Outcome(node.label(), all.rows(), before, after, lambda));
        }

        /** The weights as w[feature][output], features in the order the rows were built. */
        private double[][] currentWeights(Tensor w, Optional<Tensor> bias) {
            double[] x = w.toDoubleArray();
            int outs = keptOut.length;
            int f = featureCount(w);
            double[][] m = new double[f + (hasBias ? 1 : 0)][outs];
            for (int o = 0; o < outs; o++) {
                for (int i = 0; i < f; i++) {
                    m[i][o] = x[index(w, o, i)];
                }
            }
            if (hasBias && bias.isPresent()) {
                double[] b = bias.get().toDoubleArray();
                for (int o = 0; o < outs; o++) {
                    m[f][o] = b.length == 1 ? b[0] : b[o];
                }
            }
            return m;
        }

        private int featureCount(Tensor w) {
            return switch (node.opType()) {
                case "Conv" -> (int) (w.elementCount() / w.dim(0));
                case "Gemm" -> (int) (node.attrInt("transB", 0) != 0 ? w.dim(1) : w.dim(0));
                default -> (int) w.dim(0);
            };
        }

        /** Flat index in W of (output o, feature i). */
        private int index(Tensor w, int o, int i) {
            int f = featureCount(w);
            boolean rowsAreOutputs = conv || (node.opType().equals("Gemm") && node.attrInt("transB", 0) != 0);
            return rowsAreOutputs ? o * f + i : i * keptOut.length + o;
        }

        private void write(Tensor w, double[][] sol) {
            int f = featureCount(w);
            double[] nw = new double[(int) w.elementCount()];
            for (int o = 0; o < keptOut.length; o++) {
                for (int i = 0; i < f; i++) {
                    nw[index(w, o, i)] = sol[i][o];
                }
            }
            ed.setConstantInput(node, 1, Tensor.of(w.dataType(), w.dims(), nw), node.input(1).name() + "_refit");
            if (!hasBias) {
                return;
            }
            double[] nb = new double[keptOut.length];
            for (int o = 0; o < nb.length; o++) {
                nb[o] = sol[f][o];
            }
            Tensor b = Tensor.of(w.dataType(), new long[] {nb.length}, nb);
            if (node.hasInput(2)) {
                ed.setConstantInput(node, 2, b, node.input(2).name() + "_refit");
            } else {
                ed.rewriter().setInput(node, 2, ed.newConstant(node.graph(), node.label() + "_bias", b));
            }
        }
    }
}
