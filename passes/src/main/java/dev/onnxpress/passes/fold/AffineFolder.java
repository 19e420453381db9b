package dev.onnxpress.passes.fold;

import dev.onnxpress.passes.core.ConstantEditor;
import dev.onnxpress.ir.Attr;
import dev.onnxpress.ir.DataType;
import dev.onnxpress.ir.Graph;
import dev.onnxpress.ir.Node;
import dev.onnxpress.ir.Tensor;
import dev.onnxpress.ir.Value;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Folds a per-output-channel affine map y·s + t applied to the output of a linear node into that
 * node's constants. Targets and their weight layouts:
 * <pre>
 *   Conv           W [Cout, Cin/g, k…]       W'[o,…] = W[o,…]·s[o]
 *   ConvTranspose  W [Cin, Cout/g, k…]       W'[i,j,…] = W[i,j,…]·s[(i / (Cin/g))·(Cout/g) + j]
 *   Gemm           B [K,N] (transB: [N,K])   column n scaled by s[n]; C' = (β·C)·s + t, β := 1
 *   MatMul (+Add)  B [K,N]                   column n scaled by s[n]; bias' = bias·s + t (or a new Add)
 *   every target:  b'[o] = b[o]·s[o] + t[o]
 * </pre>
 * The channel is axis 1 for Conv/ConvTranspose and the last axis for Gemm/MatMul: callers check that
 * the affine map acts on that axis. Computation is in double; results are stored in the weight's type.
 */
public final class AffineFolder {
    private AffineFolder() {
    }

    /** A linear node whose output the affine map acts on; {@code biasAdd} is the Add after a MatMul. */
    public record Target(Node node, Optional<Node> biasAdd) {
        public Value output() {
            return biasAdd.orElse(node).output();
        }

        public boolean isConv() {
            return node.is("Conv") || node.is("ConvTranspose");
        }
    }

    /** The fold target producing {@code v}, or a reason why {@code v}'s producer is none. */
    public static Found<Target> targetProducing(Value v, Node reader) {
        Node p = v.producer().orElse(null);
        if (p == null) {
            return Found.no("its input '" + v.name() + "' is not produced by a node");
        }
        if (p.graph() != reader.graph()) {
            return Found.no("its input '" + v.name() + "' comes from an enclosing graph");
        }
        if (p.is("Conv") || p.is("ConvTranspose") || p.is("Gemm") || p.is("MatMul")) {
            return Found.of(new Target(p, Optional.empty()));
        }
        if (p.is("Add")) {
            for (int i = 0; i < 2; i++) {
                Value mm = p.input(i);
                Node m = mm.producer().orElse(null);
                boolean constantOther = ConstantEditor.valueOf(p.input(1 - i)).isPresent();
                if (m != null && m.is("MatMul") && m.graph() == p.graph() && constantOther) {
                    if (!onlyReadBy(mm, p)) {
                        return Found.no("MatMul output '" + mm.name() + "' has other consumers");
                    }
                    return Found.of(new Target(m, Optional.of(p)));
                }
            }
        }
        return Found.no("its input is produced by " + p.opType() + ", not Conv/ConvTranspose/Gemm/MatMul");
    }

    /** True if {@code v} is read by {@code n} only (once) and is not a graph output. */
    public static boolean onlyReadBy(Value v, Node n) {
        return !v.isGraphOutput() && v.uses().size() == 1 && v.uses().get(0).node() == n;
    }

    /** Number of output channels, or a reason the target's constants cannot be folded into. */
    public static Found<Integer> channels(Target t) {
        Node n = t.node();
        Graph g = n.graph();
        Optional<Tensor> w = ConstantEditor.valueOf(n.input(1));
        if (w.isEmpty()) {
            return Found.no("weight '" + n.input(1).name() + "' of " + n.label() + " is not a constant");
        }
        Tensor W = w.get();
        if (!isReal(W.dataType())) {
            return Found.no("weight '" + n.input(1).name() + "' is " + W.dataType().displayName() + ", not floating point");
        }
        int biasIndex = n.is("MatMul") ? -1 : 2;
        if (biasIndex > 0 && n.hasInput(biasIndex)) {
            Optional<Tensor> b = ConstantEditor.valueOf(n.input(biasIndex));
            if (b.isEmpty()) {
                return Found.no("bias '" + n.input(biasIndex).name() + "' of " + n.label() + " is not a constant");
            }
            if (!isReal(b.get().dataType())) {
                return Found.no("bias '" + n.input(biasIndex).name() + "' is not floating point");
            }
        }
        long ch;
        if (n.is("Conv") || n.is("ConvTranspose")) {
            if (W.rank() < 3) {
                return Found.no("weight of " + n.label() + " has rank " + W.rank());
            }
            long group = n.attrInt("group", 1);
            if (n.is("Conv")) {
                ch = W.dim(0);
            } else {
                if (group < 1 || W.dim(0) % group != 0) {
                    return Found.no("group " + group + " does not divide the input channels of " + n.label());
                }
                ch = W.dim(1) * group;
            }
            if (n.hasInput(2) && ConstantEditor.valueOf(n.input(2)).get().elementCount() != ch) {
                return Found.no("bias of " + n.label() + " does not have one value per output channel");
            }
        } else {
            if (W.rank() != 2) {
                return Found.no("weight of " + n.label() + " has rank " + W.rank() + ", not 2");
            }
            ch = n.is("Gemm") && n.attrInt("transB", 0) != 0 ? W.dim(0) : W.dim(1);
            if (n.is("Gemm") && n.hasInput(2)) {
                Tensor c = ConstantEditor.valueOf(n.input(2)).get();
                long last = c.rank() == 0 ? 1 : c.dim(c.rank() - 1);
                if (c.rank() > 2 || (last != 1 && last != ch)) {
                    return Found.no("C of " + n.label() + " does not broadcast along the output columns");
                }
            }
            if (t.biasAdd().isPresent()) {
                Node add = t.biasAdd().get();
                Tensor b = ConstantEditor.valueOf(biasInput(add, n)).get();
                if (!isReal(b.dataType())) {
                    return Found.no("bias of " + add.label() + " is not floating point");
                }
                long[] d = b.dims();
                boolean lastOnly = d.length <= 2 && (d.length < 2 || d[0] == 1);
                long last = d.length == 0 ? 1 : d[d.length - 1];
                if (!lastOnly || (last != 1 && last != ch)) {
                    return Found.no("bias of " + add.label() + " is not per output column");
                }
            }
        }
        if (ch > Integer.MAX_VALUE) {
            return Found.no("too many channels");
        }
        return Found.of((int) ch);
    }

    /**
     * Folds the map into the target; returns the value that now carries y·s + t (the target's output,
     * or a new bias Add after a MatMul without one). {@link #channels} must have accepted the target.
     */
    public static Value fold(Target t, ChannelAffine a, ConstantEditor ed) {
        Node n = t.node();
        Graph g = n.graph();
        Tensor W = ConstantEditor.valueOf(n.input(1)).orElseThrow();
        double[] s = a.scale();
        double[] sh = a.shift();
        int ch = a.channels();
        String hint = n.name().isEmpty() ? n.output().name() : n.name();
        if (n.is("Conv") && W.dataType() == DataType.FLOAT) {
            ed.setConstantInput(n, 1, scaleFloatConvWeight(W, s, ch), hint + "_weight");
            foldVectorBias(n, 2, W.dataType(), s, sh, ed, hint);
            return n.output();
        }
        double[] w = W.toDoubleArray();
        if (n.is("Conv")) {
            int per = w.length / ch;
            for (int o = 0; o < ch; o++) {
                for (int i = 0; i < per; i++) {
                    w[o * per + i] *= s[o];
                }
            }
        } else if (n.is("ConvTranspose")) {
            int cin = (int) W.dim(0);
            int group = (int) n.attrInt("group", 1);
            int cinPerGroup = cin / group;
            int coutPerGroup = (int) W.dim(1);
            int per = w.length / (cin * coutPerGroup);
            for (int i = 0; i < cin; i++) {
                for (int j = 0; j < coutPerGroup; j++) {
                    double f = s[(i / cinPerGroup) * coutPerGroup + j];
                    int base = (i * coutPerGroup + j) * per;
                    for (int k = 0; k < per; k++) {
                        w[base + k] *= f;
                    }
                }
            }
        } else {
            boolean transB = n.is("Gemm") && n.attrInt("transB", 0) != 0;
            int rows = (int) W.dim(0);
            int cols = (int) W.dim(1);
            for (int r = 0; r < rows; r++) {
                for (int c = 0; c < cols; c++) {
                    w[r * cols + c] *= s[transB ? r : c];
                }
            }
        }
        ed.setConstantInput(n, 1, Tensor.of(W.dataType(), W.dims(), w), hint + "_weight");

        if (n.is("Conv") || n.is("ConvTranspose")) {
            foldVectorBias(n, 2, W.dataType(), s, sh, ed, hint);
            return n.output();
        }
        if (n.is("Gemm")) {
            foldGemmC(n, W.dataType(), s, sh, ed, hint);
            return n.output();
        }
        if (t.biasAdd().isPresent()) {
            Node add = t.biasAdd().get();
            Value bv = biasInput(add, n);
            Tensor b = ConstantEditor.valueOf(bv).orElseThrow();
            double[] bd = ChannelAffine.spread(b.toDoubleArray(), ch);
            for (int o = 0; o < ch; o++) {
                bd[o] = bd[o] * s[o] + sh[o];
            }
            long[] dims = b.rank() == 2 ? new long[] {1, ch} : new long[] {ch};
            ed.setConstantInput(add, add.inputs().indexOf(bv), Tensor.of(b.dataType(), dims, bd), hint + "_bias");
            return add.output();
        }
        if (a.shiftIsZero()) {
            return n.output();
        }
        Value bias = ed.newConstant(g, hint + "_bias", Tensor.of(W.dataType(), new long[] {ch}, sh));
        return ed.rewriter().add(g, "Add", hint + "_bias_add", List.of(n.output(), bias), Map.of());
    }

    /**
     * The common case of {@link #fold} without whole-tensor double arrays: each weight is still
     * multiplied in double and rounded once to float, as the general path does.
     */
    private static Tensor scaleFloatConvWeight(Tensor W, double[] s, int ch) {
        float[] w = W.toFloatArray();
        int per = w.length / ch;
        for (int o = 0; o < ch; o++) {
            double f = s[o];
            int i = o * per;
            int end = i + per;
            // unrolled by hand: eight independent converts and multiplies per step run about four times
            // faster on JDK 17 than the plain loop (which C2 does not vectorize across float/double)
            for (; i + 7 < end; i += 8) {
                double x0 = w[i];
                double x1 = w[i + 1];
                double x2 = w[i + 2];
                double x3 = w[i + 3];
                double x4 = w[i + 4];
                double x5 = w[i + 5];
                double x6 = w[i + 6];
                double x7 = w[i + 7];
                w[i] = (float) (x0 * f);
                w[i + 1] = (float) (x1 * f);
                w[i + 2] = (float) (x2 * f);
                w[i + 3] = (float) (x3 * f);
                w[i + 4] = (float) (x4 * f);
                w[i + 5] = (float) (x5 * f);
                w[i + 6] = (float) (x6 * f);
                w[i + 7] = (float) (x7 * f);
            }
            for (; i < end; i++) {
                w[i] = (float) (w[i] * f);
            }
        }
        return Tensor.ofFloats(W.dims(), w);
    }

    private static void foldVectorBias(Node n, int index, DataType wType, double[] s, double[] sh,
            ConstantEditor ed, String hint) {
        boolean has = n.hasInput(index);
        boolean zeroShift = new ChannelAffine(s, sh).shiftIsZero();
        if (!has && zeroShift) {
            return;
        }
        int ch = s.length;
        double[] b = new double[ch];
        DataType type = wType;
        if (has) {
            Tensor bt = ConstantEditor.valueOf(n.input(index)).orElseThrow();
            b = bt.toDoubleArray();
            type = bt.dataType();
        }
        for (int o = 0; o < ch; o++) {
            b[o] = b[o] * s[o] + sh[o];
        }
        ed.setConstantInput(n, index, Tensor.of(type, new long[] {ch}, b), hint + "_bias");
    }

    private static void foldGemmC(Node n, DataType wType, double[] s, double[] sh, ConstantEditor ed, String hint) {
        int ch = s.length;
        double beta = n.attrFloat("beta", 1f);
        boolean has = n.hasInput(2);
        if (!has && new ChannelAffine(s, sh).shiftIsZero()) {
            return;
        }
        long[] dims;
        double[] out;
        DataType type = wType;
        if (has) {
            Tensor c = ConstantEditor.valueOf(n.input(2)).orElseThrow();
            type = c.dataType();
            double[] cd = c.toDoubleArray();
            int r0 = c.rank() == 2 ? (int) c.dim(0) : 1;
            int r1 = c.rank() == 0 ? 1 : (int) c.dim(c.rank() - 1);
            out = new double[r0 * ch];
            for (int m = 0; m < r0; m++) {
                for (int o = 0; o < ch; o++) {
                    out[m * ch + o] = beta * cd[m * r1 + (r1 == 1 ? 0 : o)] * s[o] + sh[o];
                }
            }
            dims = c.rank() == 2 ? new long[] {r0, ch} : new long[] {ch};
        } else {
            out = sh.clone();
            dims = new long[] {ch};
        }
        ed.setConstantInput(n, 2, Tensor.of(type, dims, out), hint + "_bias");
        if (beta != 1.0 || !has) {
            ed.rewriter().setAttr(n, "beta", Attr.of(1f));
        }
    }

    private static Value biasInput(Node add, Node matmul) {
        return add.input(0).producer().orElse(null) == matmul ? add.input(1) : add.input(0);
    }

    public static boolean isReal(DataType t) {
        return t == DataType.FLOAT || t == DataType.FLOAT16 || t == DataType.DOUBLE || t == DataType.BFLOAT16;
    }

    /** A value, or the reason there is none. */
    public record Found<T>(Optional<T> value, String reason) {
        public static <T> Found<T> of(T v) {
            return new Found<>(Optional.of(v), "");
        }

        public static <T> Found<T> no(String reason) {
            return new Found<>(Optional.empty(), reason);
        }

        public boolean ok() {
            return value.isPresent();
        }

        public T get() {
            return value.orElseThrow();
        }
    }
}
