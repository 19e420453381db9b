package dev.onnxpress.passes.core;

import dev.onnxpress.ir.Node;
import dev.onnxpress.ir.Tensor;
import dev.onnxpress.passes.core.WeightedLayer;
import java.util.Optional;

/**
 * How a weighted layer reads its input, seen as a matrix product per group: each output row o (of
 * {@code outputs}) is a dot product of its weight row with a feature vector of length {@code features}
 * (Gemm/MatMul: the input row; Conv: an im2col patch of its group's input channels).
 *
 * @param conv      true for a 2-D convolution (patches), false for a matrix layer (rows)
 * @param groups    convolution groups (1 for matrix layers)
 * @param features  features per output row (K, or Cin/g·kh·kw)
 * @param outputs   output rows (N, or Cout)
 * @param transpose matrix layers: the weight is stored [K, N] (MatMul, Gemm transB=0), so row o is a column
 */
public record LayerGeometry(boolean conv, int groups, int features, int outputs, boolean transpose, int kh, int kw,
        int strideH, int strideW, int padTop, int padLeft, int padBottom, int padRight, int dilH, int dilW, String autoPad) {

    /** The geometry when compensation understands the layer; else the reason it does not. */
    public static Optional<LayerGeometry> of(WeightedLayer l, StringBuilder why) {
        Node n = l.node();
        Tensor w = l.tensor();
        switch (n.opType()) {
            case "Gemm" -> {
                if (n.attrInt("transA", 0) != 0) {
                    why.append("Gemm with transA=1");
                    return Optional.empty();
                }
                boolean transB = n.attrInt("transB", 0) != 0;
                int k = (int) w.dim(transB ? 1 : 0);
                int o = (int) w.dim(transB ? 0 : 1);
                return Optional.of(new LayerGeometry(false, 1, k, o, !transB, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, "NOTSET"));
            }
            case "MatMul" -> {
                return Optional.of(new LayerGeometry(false, 1, (int) w.dim(0), (int) w.dim(1), true, 1, 1, 1, 1, 0, 0,
                        0, 0, 1, 1, "NOTSET"));
            }
            case "Conv" -> {
                if (w.rank() != 4) {
                    why.append("only 2-D convolutions are compensated");
                    return Optional.empty();
                }
                int g = (int) n.attrInt("group", 1);
                long[] s = n.attrInts("strides").orElse(new long[] {1, 1});
                long[] d = n.attrInts("dilations").orElse(new long[] {1, 1});
                long[] p = n.attrInts("pads").orElse(new long[] {0, 0, 0, 0});
                String auto = n.attrString("auto_pad", "NOTSET");
                int kh = (int) w.dim(2);
                int kw = (int) w.dim(3);
                return Optional.of(new LayerGeometry(true, g, (int) (w.dim(1) * kh * kw), (int) w.dim(0), false, kh, kw,
                        (int) s[0], (int) s[1], (int) p[0], (int) p[1], (int) p[2], (int) p[3], (int) d[0], (int) d[1], auto));
            }
            default -> {
                why.append(n.opType() + " layers are pruned without compensation");
                return Optional.empty();
            }
        }
    }

    public int outputsPerGroup() {
        return outputs / groups;
    }

    /** Where feature f of output row o stands in the weight tensor (row-major over its dims). */
    public int index(int o, int f) {
        return transpose ? f * outputs + o : o * features + f;
    }

    /** Weight rows [outputs][features] from the layer's weight tensor. */
    public double[][] rows(Tensor w) {
        float[] x = w.toFloatArray();
        double[][] r = new double[outputs][features];
        for (int o = 0; o < outputs; o++) {
            for (int f = 0; f < features; f++) {
                r[o][f] = x[index(o, f)];
            }
        }
        return r;
    }

    /** Per-weight flags (weight tensor layout) as rows [outputs][features]. */
    public boolean[][] rows(boolean[] flat) {
        boolean[][] r = new boolean[outputs][features];
        for (int o = 0; o < outputs; o++) {
            for (int f = 0; f < features; f++) {
                r[o][f] = flat[index(o, f)];
            }
        }
        return r;
    }

    /** Per-weight integers (weight tensor layout) as rows [outputs][features]. */
    public int[][] rows(int[] flat) {
        int[][] r = new int[outputs][features];
        for (int o = 0; o < outputs; o++) {
            for (int f = 0; f < features; f++) {
                r[o][f] = flat[index(o, f)];
            }
        }
        return r;
    }

    /** The weight tensor's values (float32) from rows. */
    public float[] values(double[][] rows) {
        float[] x = new float[outputs * features];
        for (int o = 0; o < outputs; o++) {
            for (int f = 0; f < features; f++) {
                x[index(o, f)] = (float) rows[o][f];
            }
        }
        return x;
    }

    /** Rows of per-weight flags back in the weight tensor's layout. */
    public boolean[] flat(boolean[][] rows) {
        boolean[] x = new boolean[outputs * features];
        for (int o = 0; o < outputs; o++) {
            for (int f = 0; f < features; f++) {
                x[index(o, f)] = rows[o][f];
            }
        }
        return x;
    }

    /** Rows of per-weight integers back in the weight tensor's layout. */
    public int[] flat(int[][] rows) {
        int[] x = new int[outputs * features];
        for (int o = 0; o < outputs; o++) {
            for (int f = 0; f < features; f++) {
                x[index(o, f)] = rows[o][f];
            }
        }
        return x;
    }

    /** Output size {height, width} for an input of size (h, w) (2-D convolutions; auto_pad resolved). */
    public int[] outputSize(int h, int w) {
        int[] p = pads(h, w);
        return new int[] {(h + p[0] + p[2] - ((kh - 1) * dilH + 1)) / strideH + 1,
                (w + p[1] + p[3] - ((kw - 1) * dilW + 1)) / strideW + 1};
    }

    /** Input padding {top, left, bottom, right} actually used for an input of size (h, w) (auto_pad resolved). */
    public int[] pads(int h, int w) {
        if (autoPad.equals("SAME_UPPER") || autoPad.equals("SAME_LOWER")) {
            int oh = (h + strideH - 1) / strideH;
            int ow = (w + strideW - 1) / strideW;
            int ph = Math.max(0, (oh - 1) * strideH + (kh - 1) * dilH + 1 - h);
            int pw = Math.max(0, (ow - 1) * strideW + (kw - 1) * dilW + 1 - w);
            boolean upper = autoPad.equals("SAME_UPPER");
            int top = upper ? ph / 2 : ph - ph / 2;
            int left = upper ? pw / 2 : pw - pw / 2;
            return new int[] {top, left, ph - top, pw - left};
        }
        if (autoPad.equals("VALID")) {
            return new int[] {0, 0, 0, 0};
        }
        return new int[] {padTop, padLeft, padBottom, padRight};
    }
}
