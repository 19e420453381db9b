package dev.onnxpress.passes.fold.batchnorm;

import dev.onnxpress.ir.Graph;
import dev.onnxpress.ir.Node;
import dev.onnxpress.ir.Rewriter;
import dev.onnxpress.ir.Tensor;
import dev.onnxpress.ir.Value;
import dev.onnxpress.passes.core.ConstantEditor;
import dev.onnxpress.passes.fold.AffineFolder;
import dev.onnxpress.passes.fold.AffineFolder.Found;
import dev.onnxpress.passes.fold.ChannelAffine;
import dev.onnxpress.passes.rewrite.RuleMatch;
import java.util.List;
import java.util.Optional;

/**
 * Folds an inference BatchNormalization forward, into the one Conv reading its output, for a BN that
 * does not fold backward ({@link FoldIntoProducerRule} declines it): W'[o,c,…] = W[o,c,…]·s[c],
 * b'[o] = b[o] + Σ_{c,k} W[o,c,k]·t[c]. Matches when the BN's output is not a graph output and is the
 * data input of a single Conv in the same graph whose weight (and bias) are floating-point constants
 * reading as many channels as the BN has, and the Conv pads nothing or the shift t is zero (zero
 * padding of x·s is s times zero padding of x; of x·s + t it is not). A declined BN is reported with
 * both reasons.
 */
final class FoldIntoNextConvRule extends BatchNormRule<FoldIntoNextConvRule.Match> {
    /** {@code bias} is absent when the Conv has none. */
    record Match(Node bn, ChannelAffine affine, Node conv, Tensor weight, Optional<Tensor> bias) {
    }


    FoldIntoNextConvRule(long opset) {
        super(opset);
    }

    @Override
    public RuleMatch<Match> match(Node bn, Graph graph) {
        Found<ChannelAffine> a = affine(bn);
        if (!a.ok()) {
            return RuleMatch.skip(a.reason());
        }
        Found<?> backward = FoldIntoProducerRule.check(bn, a.get());
        if (backward.ok()) {
            return RuleMatch.none(); // the backward rule's to fold
        }
        Found<Match> forward = check(bn, a.get());
        if (forward.ok()) {
            return RuleMatch.of(forward.get());
        }
        return RuleMatch.skip("not folded backward (" + backward.reason() + ") nor forward (" + forward.reason() + ")");
    }

    private static Found<Match> check(Node bn, ChannelAffine a) {
        Value y = bn.output();
        if (y.isGraphOutput()) {
            return Found.no("its output '" + y.name() + "' is a graph output");
        }
        if (y.uses().size() != 1) {
            return Found.no("its output '" + y.name() + "' has " + y.uses().size() + " readers");
        }
        Value.Use use = y.uses().get(0);
        Node conv = use.node();
        if (!conv.is("Conv") || use.inputIndex() != 0 || conv.graph() != bn.graph()) {
            return Found.no("its output feeds " + conv.opType() + ", not a Conv's data input");
        }
        Tensor w = ConstantEditor.valueOf(conv.input(1)).orElse(null);
        if (w == null || !AffineFolder.isReal(w.dataType()) || w.rank() < 3) {
            return Found.no("the weight of " + conv.label() + " is not a floating-point constant");
        }
        Optional<Tensor> b = Optional.empty();
        if (conv.hasInput(2)) {
            b = ConstantEditor.valueOf(conv.input(2));
            if (b.isEmpty() || !AffineFolder.isReal(b.get().dataType())) {
                return Found.no("the bias of " + conv.label() + " is not a floating-point constant");
            }
        }
        long reads = w.dim(1) * conv.attrInt("group", 1);
        if (reads != a.channels()) {
            return Found.no(conv.label() + " reads " + reads + " channels, BN has " + a.channels());
        }
        if (pads(conv) && !a.shiftIsZero()) {
            return Found.no(conv.label() + " zero-pads its input, which the BN shift would have moved: not exact");
        }
        return Found.of(new Match(bn, a, conv, w, b));
    }

    @Override
    public void rewrite(Match m, Rewriter rw) {
        ConstantEditor ed = new ConstantEditor(rw);
        Node conv = m.conv();
        Tensor w = m.weight();
        int cout = (int) w.dim(0);
        double[] wd = w.toDoubleArray();
        double[] bias = m.bias().map(Tensor::toDoubleArray).orElseGet(() -> new double[cout]);
        scaleInputChannels(wd, bias, cout, (int) w.dim(1), (int) conv.attrInt("group", 1), m.affine());
        String hint = conv.name().isEmpty() ? conv.output().name() : conv.name();
        ed.setConstantInput(conv, 1, Tensor.of(w.dataType(), w.dims(), wd), hint + "_weight");
        if (m.bias().isPresent() || !m.affine().shiftIsZero()) {
            ed.setConstantInput(conv, 2, Tensor.of(m.bias().map(Tensor::dataType).orElse(w.dataType()),
                    new long[] {cout}, bias), hint + "_bias");
        }
        Node bn = m.bn();
        List<Value> params = List.copyOf(bn.inputs().subList(1, 5));
        rw.setInput(conv, 0, bn.input(0));
        rw.removeNode(bn);
        params.forEach(ed::removeIfDead);
    }

    /** W[o,c,…] ·= s[c] and b[o] += Σ W[o,c,k]·t[c] over each output's group of input channels, in place. */
    private static void scaleInputChannels(double[] wd, double[] bias, int cout, int cinPerGroup, int group,
            ChannelAffine a) {
        int coutPerGroup = cout / group;
        int per = wd.length / (cout * cinPerGroup);
        double[] s = a.scale();
        double[] t = a.shift();
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
}
