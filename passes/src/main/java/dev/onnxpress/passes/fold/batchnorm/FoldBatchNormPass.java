package dev.onnxpress.passes.fold.batchnorm;

import dev.onnxpress.ir.Graph;
import dev.onnxpress.ir.Model;
import dev.onnxpress.ir.Node;
import dev.onnxpress.ir.Rewriter;
import dev.onnxpress.ir.Tensor;
import dev.onnxpress.ir.Value;
import dev.onnxpress.passes.Pass;
import dev.onnxpress.passes.PassContext;
import dev.onnxpress.passes.PassInfo;
import dev.onnxpress.passes.PassResult;
import dev.onnxpress.passes.PassSpec;
import dev.onnxpress.passes.Statistic;
import dev.onnxpress.passes.fold.AffineFolder;
import dev.onnxpress.passes.fold.AffineFolder.Found;
import dev.onnxpress.passes.fold.AffineFolder.Target;
import dev.onnxpress.passes.fold.ChannelAffine;
import dev.onnxpress.passes.core.ConstantEditor;
import dev.onnxpress.passes.fold.ScaleBiasFuser;
import java.util.List;

/**
 * {@code fold_batchnorm}: removes inference-form BatchNormalization nodes by folding them into the
 * weights and bias of a neighbouring linear node.
 *
 * <pre>
 *   after a node:   X → Conv|ConvTranspose|Gemm|MatMul(+Add) → BN → Y   ⇒   X → Conv' … → Y
 *   before a Conv:  X → BN → Conv → Y                                   ⇒   X → Conv' → Y
 * </pre>
 * BN is y = x·s + t per channel (axis 1) with s = γ/√(var+ε), t = β − mean·s (see
 * {@link BatchNormAffine} for the opset 1–15+ attribute rules).
 * <ul>
 *   <li>After: W'[o] = W[o]·s[o], b' = b·s + t, per output channel ({@link AffineFolder} has the layouts
 *       of each target). The producer's output must feed only the BN and not be a graph output. For
 *       Gemm/MatMul the BN input must be rank 2, so that BN's channel axis is the output's column axis.</li>
 *   <li>Before a Conv: W'[o,c,…] = W[o,c,…]·s[c], b'[o] = b[o] + Σ_{c,k} W[o,c,k]·t[c]. Exact only if the
 *       Conv pads nothing, or the shift t is zero (zero padding of x·s is s times zero padding of x).</li>
 * </ul>
 * Weights may be initializers or Constant nodes; a weight another node also reads is copied, never
 * changed in place. Computed in double, stored in the weight's own type (float, float16, double).
 */
@PassSpec(id = FoldBatchNormPass.ID,
        summary = "Fold inference BatchNormalization into the adjacent Conv, ConvTranspose, Gemm or MatMul.",
        traits = {PassInfo.Trait.PRESERVES_SEMANTICS, PassInfo.Trait.IDEMPOTENT},
        statistics = {
                @Statistic(name = "batchnorms_folded", doc = "BatchNormalization nodes folded into an adjacent layer"),
                @Statistic(name = "nodes_removed", doc = "nodes fewer in the graph than before")})
public final class FoldBatchNormPass implements Pass<FoldBatchNormOptions> {
    public static final String ID = "fold_batchnorm";

    @Override
    public PassResult run(Model model, FoldBatchNormOptions options, PassContext ctx) {
        Rewriter rw = new Rewriter(model);
        ConstantEditor ed = new ConstantEditor(rw);
        PassResult.Builder out = PassResult.builder();
        long opset = model.defaultOpset();
        long folded = 0;
        int before = countNodes(model);
        for (Graph g : model.graph().allGraphs()) {
            for (Node bn : g.nodes()) {
                if (!bn.is("BatchNormalization")) {
                    continue;
                }
                Found<ChannelAffine> a = BatchNormAffine.read(bn, opset);
                if (!a.ok()) {
                    out.skip(bn.label(), a.reason());
                    continue;
                }
                String after = foldAfter(bn, a.get(), ed);
                if (after.isEmpty()) {
                    folded++;
                    continue;
                }
                if (!options.into_next()) {
                    out.skip(bn.label(), after);
                    continue;
                }
                String next = foldIntoNextConv(bn, a.get(), ed);
                if (next.isEmpty()) {
                    folded++;
                } else {
                    out.skip(bn.label(), "not folded backward (" + after + ") nor forward (" + next + ")");
                }
            }
        }
        out.stat("batchnorms_folded", folded);
        out.stat("nodes_removed", before - countNodes(model));
        return out.build(rw.changes() > 0);
    }

    /** Folds into the producer; returns "" on success, else the reason. */
    private static String foldAfter(Node bn, ChannelAffine a, ConstantEditor ed) {
        Node xp = bn.input(0).producer().orElse(null);
        if (xp != null && xp.is("Add") && ScaleBiasFuser.applies(xp)) {
            // a separate bias Add (paddle2onnx writes ConvTranspose + Add): fuse it first, BN then folds
            ScaleBiasFuser.fuse(xp, ed);
        }
        Value x = bn.input(0);
        Found<Target> t = AffineFolder.targetProducing(x, bn);
        if (!t.ok()) {
            return t.reason();
        }
        if (x.isGraphOutput()) {
            return "its input '" + x.name() + "' is a graph output";
        }
        if (!AffineFolder.onlyReadBy(x, bn)) {
            return "its input '" + x.name() + "' has other consumers";
        }
        Found<Integer> ch = AffineFolder.channels(t.get());
        if (!ch.ok()) {
            return ch.reason();
        }
        if (ch.get() != a.channels()) {
            return t.get().node().label() + " has " + ch.get() + " output channels, BN has " + a.channels();
        }
        if (!t.get().isConv()) {
            int rank = x.tensorType().flatMap(tt -> tt.rank())
                    .or(() -> t.get().node().input(0).tensorType().flatMap(tt -> tt.rank())).orElse(-1);
            if (!t.get().node().is("Gemm") && rank != 2) {
                return "rank of '" + x.name() + "' is " + (rank < 0 ? "unknown" : rank)
                        + ": BN normalizes axis 1, MatMul's columns are the last axis";
            }
        }
        List<Value> params = List.copyOf(bn.inputs().subList(1, 5));
        Value result = AffineFolder.fold(t.get(), a, ed);
        ed.replaceNode(bn, result, params);
        return "";
    }

    /** Folds into the single Conv reading the BN's output; returns "" on success, else the reason. */
    private static String foldIntoNextConv(Node bn, ChannelAffine a, ConstantEditor ed) {
        Value y = bn.output();
        if (y.isGraphOutput()) {
            return "its output '" + y.name() + "' is a graph output";
        }
        if (y.uses().size() != 1) {
            return "its output '" + y.name() + "' has " + y.uses().size() + " readers";
        }
        Value.Use use = y.uses().get(0);
        Node conv = use.node();
        if (!conv.is("Conv") || use.inputIndex() != 0 || conv.graph() != bn.graph()) {
            return "its output feeds " + conv.opType() + ", not a Conv's data input";
        }
        Graph g = conv.graph();
        Tensor w = ConstantEditor.valueOf(conv.input(1)).orElse(null);
        if (w == null || !AffineFolder.isReal(w.dataType()) || w.rank() < 3) {
            return "the weight of " + conv.label() + " is not a floating-point constant";
        }
        Tensor b = null;
        if (conv.hasInput(2)) {
            b = ConstantEditor.valueOf(conv.input(2)).orElse(null);
            if (b == null || !AffineFolder.isReal(b.dataType())) {
                return "the bias of " + conv.label() + " is not a floating-point constant";
            }
        }
        int group = (int) conv.attrInt("group", 1);
        int cinPerGroup = (int) w.dim(1);
        if ((long) cinPerGroup * group != a.channels()) {
            return conv.label() + " reads " + (long) cinPerGroup * group + " channels, BN has " + a.channels();
        }
        if (pads(conv) && !a.shiftIsZero()) {
            return conv.label() + " zero-pads its input, which the BN shift would have moved: not exact";
        }
        int cout = (int) w.dim(0);
        int coutPerGroup = cout / group;
        double[] wd = w.toDoubleArray();
        int per = wd.length / (cout * cinPerGroup);
        double[] s = a.scale();
        double[] t = a.shift();
        double[] bias = b == null ? new double[cout] : b.toDoubleArray();
        for (int o = 0; o < cout; o++) {
            int first = (o / coutPerGroup) * cinPerGroup;
            for (int ci = 0; ci < cinPerGroup; ci++) {
                int c = first + ci;
                int base = (o * cinPerGroup + ci) * per;
                for (int k = 0; k < per; k++) {
                    bias[o] += wd[base + k] * t[c];
                    wd[base + k] *= s[c];
                }
            }
        }
        String hint = conv.name().isEmpty() ? conv.output().name() : conv.name();
        ed.setConstantInput(conv, 1, Tensor.of(w.dataType(), w.dims(), wd), hint + "_weight");
        if (b != null || !a.shiftIsZero()) {
            ed.setConstantInput(conv, 2, Tensor.of(b == null ? w.dataType() : b.dataType(), new long[] {cout}, bias),
                    hint + "_bias");
        }
        List<Value> params = List.copyOf(bn.inputs().subList(1, 5));
        Rewriter rw = ed.rewriter();
        rw.setInput(conv, 0, bn.input(0));
        rw.removeNode(bn);
        params.forEach(ed::removeIfDead);
        return "";
    }

    private static boolean pads(Node conv) {
        String autoPad = conv.attrString("auto_pad", "NOTSET");
        if (autoPad.equals("SAME_UPPER") || autoPad.equals("SAME_LOWER")) {
            return true;
        }
        if (autoPad.equals("VALID")) {
            return false;
        }
        for (long p : conv.attrInts("pads").orElse(new long[0])) {
            if (p != 0) {
                return true;
            }
        }
        return false;
    }

    static int countNodes(Model m) {
        return m.graph().allNodes().size();
    }
}
