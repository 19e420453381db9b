package dev.onnxpress.passes.prune.channels;

import dev.onnxpress.ir.Graph;
import dev.onnxpress.ir.Model;
import dev.onnxpress.ir.ModelWriter;
import dev.onnxpress.ir.Node;
import dev.onnxpress.ir.Tensor;
import dev.onnxpress.passes.core.LayerGeometry;
import dev.onnxpress.passes.core.WeightedLayer;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;

/**
 * {@code criterion=reconstruction}: ThiNet's greedy channel selection (Luo et al. 2017), scored on the
 * layer that reads the channels rather than on the layer that computes them.
 *
 * <p>A consumer's output at one sampled (sample, position, output channel) is y = Σ_c z_c, where z_c is
 * channel c's share (for a Conv, Σ_k W[o,c,k]·x[c, p+k]; for a Gemm/MatMul, Σ_j W[c·inner+j, o]·x[c·inner+j]).
 * Removing the set R changes y by −Σ_{c∈R} z_c, so over the sampled rows the squared error is
 * 1ᵀ G_R 1 with G = Σ_rows z zᵀ (the Gram matrix of the shares). Each consumer's G is divided by its
 * Σ y² (relative error) and added into the Gram of the space(s) its input channels belong to; a space
 * read by several consumers sums their errors. Greedy removal then takes, at each step, the channel that
 * raises 1ᵀ G_R 1 least (increase G[j,j] + 2 Σ_{i∈R} G[i,j]). A channel's score is the relative error
 * reached when it is removed (made non-decreasing along the removal order), so the k lowest scores are
 * exactly the first k greedy removals, and scores of different spaces compare as relative errors
 * (scope=global uses them raw). With compensate=true the Gram is taken about the shares' means
 * (G − n·μμᵀ): the refit's bias absorbs a removed channel's mean share, so only its variation is lost.
 *
 * <p>Rows per consumer: 32,768, fewer for wide layers so that a Gram costs at most about 2³² multiply-adds
 * (1,024 input channels → 4,096 rows), never fewer than 2,048.
 *
 * <p>Consumers measured: Conv with group 1, a 2-D kernel and explicit pads (or VALID); Gemm without
 * transA; MatMul. Others add nothing; a space no measured consumer reads gets no score.
 */
final class ReconstructionScores {
    /** Sampled (sample, position, output) rows per consumer, spread evenly over the batches. */
    static final int ROWS = 32768;
    /** Fewest rows per consumer, however wide. */
    static final int MIN_ROWS = 2048;
    /** Multiply-adds a consumer's Gram may cost (rows × C²/2): wide layers sample fewer rows. */
    static final long GRAM_WORK = 1L << 32;

    /** Rows sampled for a consumer reading {@code channels} channels: ROWS, fewer for wide layers. */
    static int rows(int channels) {
        long c2 = Math.max(1L, (long) channels * channels);
        return (int) Math.max(MIN_ROWS, Math.min(ROWS, GRAM_WORK / c2));
    }

    private ReconstructionScores() {
    }

    /** Scores by space representative, from the unpruned model's consumer inputs on the batches. */
    static Map<ChannelSpace, double[]> compute(Model model, ChannelGraph cg, List<Map<String, Tensor>> batches,
            Random random, boolean centered) {
        Graph g = model.graph();
        Map<Node, Share> shares = new LinkedHashMap<>();
        for (Node c : cg.consumers) {
            supported(c).ifPresent(kind -> shares.put(c, new Share(c, kind,
                    g.constantValue(c.input(1)).orElseThrow(), cg.layouts.get(c.input(0)))));
        }
        Map<ChannelSpace, double[][]> gram = new IdentityHashMap<>();
        Map<ChannelSpace, boolean[]> covered = new IdentityHashMap<>();
        if (shares.isEmpty() || batches.isEmpty()) {
            return Map.of();
        }
        List<String> names = shares.keySet().stream().map(n -> n.input(0).name()).distinct().toList();
        TapRunner.run(ModelWriter.toBytes(model), names, batches, (b, taps) -> {
            for (Share s : shares.values()) {
                int perBatch = Math.max(1, rows(s.channels) / batches.size());
                s.accumulate(taps.get(s.node.input(0).name()), perBatch, random);
            }
        });
        for (Share s : shares.values()) {
            if (centered) {
                s.center();
            }
            s.spreadInto(gram, covered);
        }
        Map<ChannelSpace, double[]> out = new IdentityHashMap<>();
        for (Map.Entry<ChannelSpace, double[][]> e : gram.entrySet()) {
            boolean complete = true;
            for (boolean c : covered.get(e.getKey())) {
                complete &= c;
            }
            // a channel no measured consumer reads would look free to remove: rank the space otherwise
            if (complete) {
                out.put(e.getKey(), greedy(e.getValue()));
            }
        }
        return out;
    }

    private enum Kind { CONV, GEMM, GEMM_TRANS_B, MATMUL }

    private static Optional<Kind> supported(Node n) {
        return switch (n.opType()) {
            case "Conv" -> {
                long[] k = n.attrInts("kernel_shape").orElse(null);
                String pad = n.attrString("auto_pad", "NOTSET");
                boolean ok = n.attrInt("group", 1) == 1 && (pad.equals("NOTSET") || pad.equals("VALID"))
                        && (k == null || k.length == 2);
                yield ok ? Optional.of(Kind.CONV) : Optional.empty();
            }
            case "Gemm" -> n.attrInt("transA", 0) != 0 ? Optional.empty()
                    : Optional.of(n.attrInt("transB", 0) != 0 ? Kind.GEMM_TRANS_B : Kind.GEMM);
            case "MatMul" -> Optional.of(Kind.MATMUL);
            default -> Optional.empty();
        };
    }

    /**
     * Greedy removal order on a relative-error Gram matrix; returns per channel the (non-decreasing along
     * the order) error reached when it goes.
     */
    static double[] greedy(double[][] gram) {
        int n = gram.length;
        double[] cross = new double[n]; // Σ_{i∈R} G[i][j]
        boolean[] removed = new boolean[n];
        double[] score = new double[n];
        double err = 0;
        double last = Double.NEGATIVE_INFINITY;
        for (int step = 0; step < n; step++) {
            int best = -1;
            double bestInc = Double.POSITIVE_INFINITY;
            for (int j = 0; j < n; j++) {
                if (!removed[j]) {
                    double inc = gram[j][j] + 2 * cross[j];
                    if (best < 0 || inc < bestInc) {
                        best = j;
                        bestInc = inc;
                    }
                }
            }
            removed[best] = true;
            err += bestInc;
            for (int j = 0; j < n; j++) {
                cross[j] += gram[best][j];
            }
            // strictly increasing along the order, so that sorting by score reproduces it
            last = err > last ? err : Math.nextUp(last);
            score[best] = last;
        }
        return score;
    }

    /** One consumer's Gram matrix of per-input-channel shares of its output. */
    private static final class Share {
        final Node node;
        final Kind kind;
        final Tensor weight;
        final float[] w;
        /** Strides, dilations, pads and output size of a Conv consumer (null for matrix layers). */
        final LayerGeometry geo;
        final ChannelSegments layout;
        final int channels;
        final double[][] gram;
        final double[] sum;
        double yy;
        long rows;

        Share(Node node, Kind kind, Tensor weight, ChannelSegments layout) {
            this.node = node;
            this.kind = kind;
            this.weight = weight;
            this.w = weight.toFloatArray();
            this.geo = kind != Kind.CONV ? null : LayerGeometry.of(new WeightedLayer(node, 1, node.input(1), weight,
                    0, 1), new StringBuilder()).orElseThrow();
            this.layout = layout;
            this.channels = layout.channels();
            this.gram = new double[channels][channels];
            this.sum = new double[channels];
        }

        /** Gram of the shares about their means: the refit's bias absorbs a removed channel's mean share. */
        void center() {
            for (int i = 0; i < channels; i++) {
                for (int j = i; j < channels; j++) {
                    gram[i][j] -= sum[i] * sum[j] / rows;
                }
            }
        }

        void accumulate(Tensor x, int count, Random random) {
            float[] v = x.toFloatArray();
            long[] d = x.dims();
            double[] z = new double[channels];
            for (int r = 0; r < count; r++) {
                if (kind == Kind.CONV) {
                    convRow(v, d, random, z);
                } else {
                    denseRow(v, d, random, z);
                }
                double y = 0;
                rows++;
                for (int i = 0; i < channels; i++) {
                    double zi = z[i];
                    y += zi;
                    sum[i] += zi;
                    if (zi == 0) {
                        continue;
                    }
                    double[] gi = gram[i];
                    for (int j = i; j < channels; j++) {
                        gi[j] += zi * z[j];
                    }
                }
                yy += y * y;
            }
        }

        private void convRow(float[] v, long[] d, Random random, double[] z) {
            int n = (int) d[0];
            int c = (int) d[1];
            int h = (int) d[2];
            int wd = (int) d[3];
            int outs = geo.outputs();
            int kh = geo.kh();
            int kw = geo.kw();
            int[] pads = geo.pads(h, wd);
            int[] size = geo.outputSize(h, wd);
            int oh = size[0];
            int ow = size[1];
            int s = random.nextInt(n);
            int oy = random.nextInt(Math.max(1, oh));
            int ox = random.nextInt(Math.max(1, ow));
            int o = random.nextInt(outs);
            for (int ci = 0; ci < c; ci++) {
                double acc = 0;
                int wb = (o * c + ci) * kh * kw;
                for (int ky = 0; ky < kh; ky++) {
                    int iy = oy * geo.strideH() - pads[0] + ky * geo.dilH();
                    if (iy < 0 || iy >= h) {
                        continue;
                    }
                    for (int kx = 0; kx < kw; kx++) {
                        int ix = ox * geo.strideW() - pads[1] + kx * geo.dilW();
                        if (ix >= 0 && ix < wd) {
                            acc += w[wb + ky * kw + kx] * v[((s * c + ci) * h + iy) * wd + ix];
                        }
                    }
                }
                z[ci] = acc;
            }
        }

        private void denseRow(float[] v, long[] d, Random random, double[] z) {
            int k = (int) d[d.length - 1];
            int rows = v.length / k;
            int outs = (int) (kind == Kind.GEMM_TRANS_B ? weight.dim(0) : weight.dim(1));
            int inner = layout.inner();
            int r = random.nextInt(rows);
            int o = random.nextInt(outs);
            for (int ci = 0; ci < channels; ci++) {
                double acc = 0;
                for (int j = 0; j < inner; j++) {
                    int f = ci * inner + j;
                    double wf = kind == Kind.GEMM_TRANS_B ? w[o * k + f] : w[f * outs + o];
                    acc += wf * v[r * k + f];
                }
                z[ci] = acc;
            }
        }

        /** Adds this consumer's relative-error Gram into the blocks of the spaces its channels belong to. */
        void spreadInto(Map<ChannelSpace, double[][]> out, Map<ChannelSpace, boolean[]> covered) {
            if (!(yy > 0)) {
                return;
            }
            ChannelSpace[] space = new ChannelSpace[channels];
            int[] index = new int[channels];
            int base = 0;
            for (ChannelSegments.Seg s : layout.segs()) {
                for (int c = s.from(); c < s.to(); c++) {
                    space[base + c - s.from()] = s.space().find();
                    index[base + c - s.from()] = c;
                }
                base += s.length();
            }
            for (int i = 0; i < channels; i++) {
                double[][] target = out.computeIfAbsent(space[i], r -> new double[r.size][r.size]);
                covered.computeIfAbsent(space[i], r -> new boolean[r.size])[index[i]] = true;
                for (int j = i; j < channels; j++) {
                    if (space[j] != space[i]) {
                        continue;
                    }
                    double v = gram[i][j] / yy;
                    target[index[i]][index[j]] += v;
                    if (j != i) {
                        target[index[j]][index[i]] += v;
                    }
                }
            }
        }
    }
}
