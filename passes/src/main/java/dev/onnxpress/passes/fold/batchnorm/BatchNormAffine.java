package dev.onnxpress.passes.fold.batchnorm;

import dev.onnxpress.ir.Graph;
import dev.onnxpress.ir.Node;
import dev.onnxpress.ir.Tensor;
import dev.onnxpress.ir.Value;
import dev.onnxpress.passes.fold.AffineFolder;
import dev.onnxpress.passes.core.ConstantEditor;
import dev.onnxpress.passes.fold.AffineFolder.Found;
import dev.onnxpress.passes.fold.ChannelAffine;
import java.util.Optional;

/**
 * Reads an inference-form BatchNormalization as a per-channel affine map, across every opset version:
 * <ul>
 *   <li>1–5: {@code consumed_inputs} is a legacy memory hint, ignored; 1–6: {@code is_test} must be 1
 *       (0 means training mode: batch statistics, not the stored ones);</li>
 *   <li>1–8: {@code spatial=0} keeps per-activation statistics; foldable only when they hold one value
 *       per channel;</li>
 *   <li>7–13: a node declaring more than the Y output is in training mode;</li>
 *   <li>14+: {@code training_mode} must be 0; 15 allows other types for mean/var (read as double).</li>
 * </ul>
 * Outputs other than Y (running or saved statistics) must be unused.
 * scale = γ/√(var+ε), shift = β − mean·scale, all in double.
 */
final class BatchNormAffine {
    private BatchNormAffine() {
    }

    static Found<ChannelAffine> read(Node bn, long opset) {
        if (bn.inputs().size() < 5) {
            return Found.no("BatchNormalization has " + bn.inputs().size() + " inputs, not 5");
        }
        if (opset <= 6 && bn.attrInt("is_test", 0) == 0) {
            return Found.no("is_test=0 (training mode) in opset " + opset);
        }
        if (opset >= 7 && opset <= 13 && bn.outputs().stream().filter(o -> !o.isNone()).count() > 1) {
            // opsets 7-13 have no is_test: declaring the statistics outputs is what selects training mode
            return Found.no("it declares statistics outputs, which means training mode in opset " + opset);
        }
        if (opset >= 14 && bn.attrInt("training_mode", 0) != 0) {
            return Found.no("training_mode=1");
        }
        for (int i = 1; i < bn.outputs().size(); i++) {
            Value o = bn.output(i);
            if (!o.isNone() && (!o.uses().isEmpty() || o.isGraphOutput())) {
                return Found.no("its statistics output '" + o.name() + "' is used");
            }
        }
        Graph g = bn.graph();
        boolean perActivation = opset < 9 && bn.attrInt("spatial", 1) == 0;
        double[][] p = new double[4][];
        for (int i = 0; i < 4; i++) {
            Value v = bn.input(i + 1);
            Optional<Tensor> t = ConstantEditor.valueOf(v);
            if (t.isEmpty()) {
                return Found.no("parameter '" + v.name() + "' is not a constant");
            }
            if (!AffineFolder.isReal(t.get().dataType())) {
                return Found.no("parameter '" + v.name() + "' is not floating point");
            }
            if (perActivation && t.get().rank() > 1) {
                return Found.no("spatial=0 with per-activation statistics of shape "
                        + java.util.Arrays.toString(t.get().dims()));
            }
            p[i] = t.get().toDoubleArray();
        }
        int c = p[0].length;
        for (double[] a : p) {
            if (a.length != c) {
                return Found.no("parameters differ in length");
            }
        }
        double eps = bn.attrFloat("epsilon", 1e-5f);
        double[] scale = new double[c];
        double[] shift = new double[c];
        for (int i = 0; i < c; i++) {
            scale[i] = p[0][i] / Math.sqrt(p[3][i] + eps);
            shift[i] = p[1][i] - p[2][i] * scale[i];
        }
        return Found.of(new ChannelAffine(scale, shift));
    }
}
