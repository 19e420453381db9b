package dev.onnxpress.passes.core;

import dev.onnxpress.ir.Tensor;
import dev.onnxpress.ort.OrtRunner;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Second moments of one layer's input features on calibration data, per group: A = XqᵀXq and
 * C = XqᵀXd, where Xd are the features the dense model feeds the layer and Xq those the model being
 * compressed feeds it (earlier layers already changed). A weight row w' refitted for the changed model
 * minimises ‖Xq w' − Xd w‖², whose normal equations need only A and C (OBC-style: the error of earlier
 * layers is compensated here too). Convolutions contribute sampled im2col patches ({@code maxRows} in all).
 * <p>The fits use C only through C·w for the target rows w of the layer ({@link #cross}). A layer with fewer
 * outputs per group than features ({@link #projects}) therefore accumulates P = Xqᵀ(Xd Wᵀ) (features ×
 * outputs) instead of C (features²): for a 3×3 convolution of 256 channels that is 9× less memory and
 * work. The two differ only in rounding.
 */
public final class LayerGram {
    private final LayerGeometry geo;
    private final double[][] a;
    private final double[][] c;
    private final boolean same;
    /** Projected mode: the target rows [outputs][F] while accumulating (dropped by {@link #finish}), and P. */
    private double[][] target;
    private final double[][] p;
    private final double[][] sumQ;
    private final double[][] sumD;
    private final long[] count;
    /** Rows not yet folded into a and c, per group, row after row: bufQ[g][r·F + i] (see {@link #flush}). */
    private final double[][] bufQ;
    private final double[][] bufD;
    private final int[] fill;
    private long rows;
    private boolean finished;

    /** Rows buffered per group before they are folded into the moments (one pass over A and C per block). */
    static final int BLOCK = 64;

    private LayerGram(LayerGeometry geo, boolean same, double[][] target) {
        this.geo = geo;
        int f = geo.features();
        this.a = new double[geo.groups()][f * f];
        this.target = target;
        this.p = target == null ? null : new double[geo.groups()][f * geo.outputsPerGroup()];
        this.c = same ? a : target != null ? null : new double[geo.groups()][f * f];
        this.same = same;
        this.sumQ = new double[geo.groups()][f];
        this.sumD = new double[geo.groups()][f];
        this.count = new long[geo.groups()];
        this.bufQ = new double[geo.groups()][];
        this.bufD = new double[geo.groups()][];
        this.fill = new int[geo.groups()];
    }

    /**
     * An empty accumulator, to be fed with {@link #add} and closed with {@link #finish}.
     *
     * @param same whether Xq and Xd are the same features (then C is A)
     */
    public static LayerGram empty(LayerGeometry geo, boolean same) {
        return new LayerGram(geo, same, null);
    }

    /**
     * An empty accumulator of A and P = Xqᵀ(Xd Wᵀ) for the target rows {@code target} ([outputs][F], as
     * {@link LayerGeometry#rows}); Xq and Xd are different features. {@link #cross} then answers for these
     * rows only.
     */
    public static LayerGram projected(LayerGeometry geo, double[][] target) {
        if (target.length != geo.outputs()) {
            throw new IllegalArgumentException(target.length + " target rows for " + geo.outputs() + " outputs");
        }
        return new LayerGram(geo, false, target);
    }

    /**
     * Whether a layer accumulates P rather than C ({@link #projected}): when Xq and Xd differ and the layer has
     * fewer outputs per group than features, so that P is the smaller.
     */
    public static boolean projects(LayerGeometry geo, boolean same) {
        return !same && geo.outputsPerGroup() < geo.features();
    }

    /**
     * Bytes the moments of a layer of geometry {@code geo} take: A, and C unless {@code same}, or P and the
     * target rows when the layer {@link #projects}; the row buffers.
     */
    public static long bytes(LayerGeometry geo, boolean same) {
        long f = geo.features();
        long g = geo.groups();
        long buffers = (same ? 1 : 2) * g * BLOCK * f * 8 + 16 * f * g;
        if (projects(geo, same)) {
            long per = geo.outputsPerGroup();
            return g * f * f * 8 + 2 * g * f * per * 8 + buffers;
        }
        return (same ? 1 : 2) * g * f * f * 8 + buffers;
    }

    /** Whether Xq and Xd are the same features (C is A). */
    public boolean same() {
        return same;
    }

    /** Mean of the features the compressed model feeds group g (Xq). */
    public double[] meanQ(int g) {
        return mean(sumQ[g], count[g]);
    }

    /** Mean of the features the dense model feeds group g (Xd). */
    public double[] meanD(int g) {
        return mean(sumD[g], count[g]);
    }

    /** Rows accumulated into group g. */
    public long count(int g) {
        return count[g];
    }

    private static double[] mean(double[] sum, long n) {
        double[] m = new double[sum.length];
        for (int i = 0; i < m.length; i++) {
            m[i] = n == 0 ? 0 : sum[i] / n;
        }
        return m;
    }

    public LayerGeometry geometry() {
        return geo;
    }

    public long rows() {
        return rows;
    }

    /** A (F×F, row-major) of group g. */
    public double[] a(int g) {
        return a[g];
    }

    /** C (F×F, row-major) of group g: Σ xq_i·xd_j; not kept by a {@link #projected} accumulator. */
    public double[] c(int g) {
        if (c == null) {
            throw new IllegalStateException("a projected accumulator keeps C·Wᵀ, not C");
        }
        return c[g];
    }

    /**
     * C·w for the layer's target rows w, group g: Σ_j C_ij w_j for feature i and output r, or with
     * {@code centred} the same of C − n·μqμdᵀ ({@link #cCentred}). From C, summed over j in order exactly as a
     * caller looping over C would; from P, read off (centred: minus n·μq_i·(μd·w)). The row given must be
     * output r's target row (the one P was accumulated for).
     */
    public Cross cross(int g, boolean centred) {
        if (p == null) {
            return new Cross(centred ? cCentred(g) : c[g], null, null, null, 0, geo.features(), 0);
        }
        return new Cross(null, p[g], centred ? meanQ(g) : null, centred ? meanD(g) : null, count[g], geo.features(),
                g * geo.outputsPerGroup());
    }

    /** C·w of one group, see {@link #cross}. */
    public static final class Cross {
        private final double[] c;
        private final double[] p;
        private final double[] mq;
        private final double[] md;
        private final long n;
        private final int f;
        private final int first;
        private final int per;

        private Cross(double[] c, double[] p, double[] mq, double[] md, long n, int f, int first) {
            this.c = c;
            this.p = p;
            this.mq = mq;
            this.md = md;
            this.n = n;
            this.f = f;
            this.first = first;
            this.per = p == null ? 0 : p.length / f;
        }

        /** (C·w)_i for output r (global index) with its target row w. */
        public double dot(int i, int r, double[] w) {
            if (c != null) {
                double acc = 0;
                int base = i * f;
                for (int j = 0; j < f; j++) {
                    acc += c[base + j] * w[j];
                }
                return acc;
            }
            double v = p[i * per + (r - first)];
            if (mq != null) {
                double mdw = 0;
                for (int j = 0; j < f; j++) {
                    mdw += md[j] * w[j];
                }
                v -= n * mq[i] * mdw;
            }
            return v;
        }
    }

    /**
     * Runs both models over the batches, tapping {@code input} (the layer's input value name).
     *
     * @param dense   the reference model with the tap added ({@link OrtRunner#withTaps})
     * @param current the model being compressed with the tap added; the same array as dense when equal
     */
    public static LayerGram collect(LayerGeometry geo, String input, byte[] dense, byte[] current,
            List<Map<String, Tensor>> batches, int maxRows, Random random) {
        return collect(geo, input, input, dense, current, batches, maxRows, random);
    }

    /**
     * As {@link #collect(LayerGeometry, String, byte[], byte[], List, int, Random)}, the layer's input being
     * named {@code denseInput} in the reference model and {@code input} in the model being compressed.
     */
    public static LayerGram collect(LayerGeometry geo, String denseInput, String input, byte[] dense,
            byte[] current, List<Map<String, Tensor>> batches, int maxRows, Random random) {
        boolean same = dense == current && denseInput.equals(input);
        LayerGram g = new LayerGram(geo, same, null);
        OrtRunner.Options o = OrtRunner.Options.defaults().withIntraOpThreads(0);
        long samples = 0;
        for (Map<String, Tensor> b : batches) {
            samples += b.values().iterator().next().dims().length == 0 ? 1 : b.values().iterator().next().dim(0);
        }
        long total = samples;
        // both models run over the same cuts: a cut is decided by the batch and the first run of a stream,
        // and the two streams tap one value each of the same per-sample size, so cut the same way
        try (OrtRunner d = OrtRunner.open(dense, o); OrtRunner q = same ? null : OrtRunner.open(current, o)) {
            for (Map<String, Tensor> b : batches) {
                for (Map<String, Tensor> part : TapStream.cuts(b, d, TapStream.DEFAULT_BUDGET, denseInput)) {
                    Tensor xd = d.run(part, List.of(denseInput)).get(denseInput);
                    Tensor xq = same ? xd : q.run(part, List.of(input)).get(input);
                    g.add(xq, xd, maxRows, total, random);
                }
            }
        }
        return g.finish();
    }

    /** The number of samples in {@code batches} (axis 0 of their first feed; 1 for a scalar feed). */
    public static long samples(List<Map<String, Tensor>> batches) {
        long samples = 0;
        for (Map<String, Tensor> b : batches) {
            samples += b.values().iterator().next().dims().length == 0 ? 1 : b.values().iterator().next().dim(0);
        }
        return samples;
    }

    /**
     * Folds one run's features in: {@code tq} (Xq) and {@code td} (Xd, ignored when this accumulator is
     * {@code same}); a convolution samples about {@code maxRows}/{@code samples} patch positions per sample.
     */
    public void add(Tensor tq, Tensor td, int maxRows, long samples, Random random) {
        if (finished) {
            throw new IllegalStateException("moments already finished");
        }
        java.nio.FloatBuffer q = java.nio.FloatBuffer.wrap(tq.toFloatArray());
        add(q, same ? q : java.nio.FloatBuffer.wrap(td.toFloatArray()), tq.dims(), maxRows, samples, random);
    }

    /**
     * As {@link #add(Tensor, Tensor, int, long, Random)} on float views (ONNX Runtime's output memory read in
     * place, {@link OrtRunner#runFloats}): nothing of the run is copied but the sampled rows.
     */
    public void add(java.nio.FloatBuffer xq, java.nio.FloatBuffer xd, long[] dims, int maxRows, long samples,
            Random random) {
        if (finished) {
            throw new IllegalStateException("moments already finished");
        }
        int f = geo.features();
        if (!geo.conv()) {
            int n = xq.limit() / f;
            for (int r = 0; r < n; r++) {
                accumulate(0, xq, xd, r * f);
            }
            return;
        }
        int n = (int) dims[0];
        int cin = (int) dims[1];
        int h = (int) dims[2];
        int w = (int) dims[3];
        int[] p = geo.pads(h, w);
        int[] out = geo.outputSize(h, w);
        int oh = out[0];
        int ow = out[1];
        if (oh <= 0 || ow <= 0) {
            return;
        }
        int perSample = (int) Math.max(1, Math.min((long) oh * ow, (maxRows + samples - 1) / Math.max(1, samples)));
        int cg = cin / geo.groups();
        double[] pq = new double[f];
        double[] pd = new double[f];
        for (int s = 0; s < n; s++) {
            for (int k = 0; k < perSample; k++) {
                int pos = perSample == oh * ow ? k : random.nextInt(oh * ow);
                int y0 = (pos / ow) * geo.strideH() - p[0];
                int x0 = (pos % ow) * geo.strideW() - p[1];
                for (int grp = 0; grp < geo.groups(); grp++) {
                    int idx = 0;
                    for (int ch = 0; ch < cg; ch++) {
                        int base = ((s * cin) + grp * cg + ch) * h * w;
                        for (int ky = 0; ky < geo.kh(); ky++) {
                            int y = y0 + ky * geo.dilH();
                            for (int kx = 0; kx < geo.kw(); kx++) {
                                int x = x0 + kx * geo.dilW();
                                boolean in = y >= 0 && y < h && x >= 0 && x < w;
                                pq[idx] = in ? xq.get(base + y * w + x) : 0;
                                pd[idx] = in ? xd.get(base + y * w + x) : 0;
                                idx++;
                            }
                        }
                    }
                    accumulate(grp, pq, pd);
                }
                rows++;
            }
        }
    }

    private void accumulate(int grp, java.nio.FloatBuffer xq, java.nio.FloatBuffer xd, int off) {
        int f = geo.features();
        double[] q = new double[f];
        double[] d = new double[f];
        for (int i = 0; i < f; i++) {
            q[i] = xq.get(off + i);
            d[i] = xd.get(off + i);
        }
        accumulate(grp, q, d);
        rows++;
    }

    private void accumulate(int grp, double[] q, double[] d) {
        int f = geo.features();
        double[] mq = sumQ[grp];
        double[] md = sumD[grp];
        for (int i = 0; i < f; i++) {
            mq[i] += q[i];
            md[i] += d[i];
        }
        count[grp]++;
        if (bufQ[grp] == null) {
            bufQ[grp] = new double[BLOCK * f];
            bufD[grp] = same ? bufQ[grp] : new double[BLOCK * f];
        }
        int r = fill[grp];
        System.arraycopy(q, 0, bufQ[grp], r * f, f);
        if (!same) {
            System.arraycopy(d, 0, bufD[grp], r * f, f);
        }
        fill[grp] = r + 1;
        if (fill[grp] == BLOCK) {
            flush(grp);
        }
    }

    /** Rows of A (and C) per tile of {@link #flush}. */
    private static final int TILE_ROWS = 16;
    /** Columns per tile: a tile of A (16 × 512 doubles, 64 KB) stays in cache while the block's rows pass. */
    private static final int TILE_COLS = 512;

    /**
     * Folds group g's buffered rows into A (upper triangle) and C, tile by tile: for each tile of A, the
     * rows pass in the order they came and each adds q_i·q_j to every entry as the row-by-row update does
     * (skipping q_i = 0 as it does), so every entry sees the same additions in the same order and the
     * result is bit for bit that of adding row by row; the tile stays in cache while the rows pass, instead
     * of all of A being swept once per row. Tiles of rows are shared among the common pool's threads when
     * the block is large enough to pay for it.
     */
    private void flush(int grp) {
        int n = fill[grp];
        if (n == 0) {
            return;
        }
        int f = geo.features();
        double[] bq = bufQ[grp];
        double[] bd = bufD[grp];
        double[] ag = a[grp];
        double[] cg = c == null ? null : c[grp];
        if (p != null) {
            flushProjected(grp, n);
        }
        int tiles = (f + TILE_ROWS - 1) / TILE_ROWS;
        java.util.function.IntConsumer tile = t -> {
            int i0 = t * TILE_ROWS;
            int i1 = Math.min(f, i0 + TILE_ROWS);
            for (int j0 = 0; j0 < f; j0 += TILE_COLS) {
                int j1 = Math.min(f, j0 + TILE_COLS);
                if (j1 > i0) {
                    update(ag, bq, bq, n, f, i0, i1, j0, j1, true);
                }
                if (!same && cg != null) {
                    update(cg, bq, bd, n, f, i0, i1, j0, j1, false);
                }
            }
        };
        if ((long) f * f * n >= 1L << 22) {
            java.util.stream.IntStream.range(0, tiles).parallel().forEach(tile);
        } else {
            for (int t = 0; t < tiles; t++) {
                tile.accept(t);
            }
        }
        fill[grp] = 0;
    }

    /**
     * P += Xqᵀ·Y over group g's buffered rows, Y = Xd·W_gᵀ (row by row, each entry summed over the features
     * in order), each entry of P adding the rows in the order they came; row ranges of Y and feature tiles of
     * P are shared among threads when the block is large enough (each entry written by one thread only).
     */
    private void flushProjected(int grp, int n) {
        int f = geo.features();
        int per = geo.outputsPerGroup();
        double[] bq = bufQ[grp];
        double[] bd = bufD[grp];
        double[] pg = p[grp];
        double[] y = new double[n * per];
        int first = grp * per;
        boolean parallel = (long) f * per * n >= 1L << 22;
        java.util.function.IntConsumer project = row -> {
            int xb = row * f;
            for (int r = 0; r < per; r++) {
                double[] w = target[first + r];
                double s = 0;
                for (int j = 0; j < f; j++) {
                    s += bd[xb + j] * w[j];
                }
                y[row * per + r] = s;
            }
        };
        java.util.function.IntConsumer accumulate = t -> {
            int i0 = t * TILE_ROWS;
            int i1 = Math.min(f, i0 + TILE_ROWS);
            for (int row = 0; row < n; row++) {
                int xb = row * f;
                int yb = row * per;
                for (int i = i0; i < i1; i++) {
                    double xi = bq[xb + i];
                    if (xi == 0) {
                        continue;
                    }
                    int base = i * per;
                    for (int r = 0; r < per; r++) {
                        pg[base + r] += xi * y[yb + r];
                    }
                }
            }
        };
        int tiles = (f + TILE_ROWS - 1) / TILE_ROWS;
        if (parallel) {
            java.util.stream.IntStream.range(0, n).parallel().forEach(project);
            java.util.stream.IntStream.range(0, tiles).parallel().forEach(accumulate);
        } else {
            for (int row = 0; row < n; row++) {
                project.accept(row);
            }
            for (int t = 0; t < tiles; t++) {
                accumulate.accept(t);
            }
        }
    }

    /** m[i·f + j] += x_r[i]·y_r[j] for rows r in order, i in [i0, i1), j in [j0, j1) (j ≥ i when {@code upper}). */
    private static void update(double[] m, double[] x, double[] y, int n, int f, int i0, int i1, int j0, int j1,
            boolean upper) {
        for (int r = 0; r < n; r++) {
            int row = r * f;
            for (int i = i0; i < i1; i++) {
                double xi = x[row + i];
                if (xi == 0) {
                    continue;
                }
                int from = upper ? Math.max(i, j0) : j0;
                int base = i * f;
                for (int j = from; j < j1; j++) {
                    m[base + j] += xi * y[row + j];
                }
            }
        }
    }

    /** Folds the buffered rows in, fills the lower triangle of A and frees the buffers (call once, last). */
    public LayerGram finish() {
        if (!finished) {
            for (int g = 0; g < fill.length; g++) {
                flush(g);
                bufQ[g] = null;
                bufD[g] = null;
            }
            target = null;
            finished = true;
            fillLower();
        }
        return this;
    }

    /** A − n·μqμqᵀ of group g: the second moment of the mean-centred Xq (for fits where a bias takes the mean). */
    public double[] aCentred(int g) {
        return centred(a[g], meanQ(g), meanQ(g), count[g]);
    }

    /** C − n·μqμdᵀ of group g: Σ (xq − μq)(xd − μd)ᵀ. */
    public double[] cCentred(int g) {
        return centred(c(g), meanQ(g), meanD(g), count[g]);
    }

    private double[] centred(double[] m, double[] u, double[] v, long n) {
        int f = geo.features();
        double[] out = m.clone();
        for (int i = 0; i < f; i++) {
            for (int j = 0; j < f; j++) {
                out[i * f + j] -= n * u[i] * v[j];
            }
        }
        return out;
    }

    /** {@link #finish}: kept for callers that collected with {@link #collect}. */
    public LayerGram symmetric() {
        return finish();
    }

    private void fillLower() {
        int f = geo.features();
        for (double[] ag : a) {
            for (int i = 0; i < f; i++) {
                for (int j = 0; j < i; j++) {
                    ag[i * f + j] = ag[j * f + i];
                }
            }
        }
    }
}
