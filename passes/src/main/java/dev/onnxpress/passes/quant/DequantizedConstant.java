package dev.onnxpress.passes.quant;

import dev.onnxpress.ir.Attr;
import dev.onnxpress.ir.DataType;
import dev.onnxpress.ir.Graph;
import dev.onnxpress.ir.Node;
import dev.onnxpress.ir.Tensor;
import dev.onnxpress.ir.Value;
import dev.onnxpress.passes.core.ConstantEditor;
import java.util.List;
import java.util.Map;

/**
 * Replaces a float constant input of a node by integer data and a {@code DequantizeLinear} that
 * restores it: {@code w ≈ (q − 0)·scale}, scale per tensor (scalar) or per axis (1-D, opset 13). The
 * zero point is 0 in q's type, written out so the runtime knows the type. The float constant is
 * deleted when nothing else reads it, so the file really shrinks.
 */
public final class DequantizedConstant {
    private final ConstantEditor editor;

    public DequantizedConstant(ConstantEditor editor) {
        this.editor = editor;
    }

    /**
     * Points input {@code index} of {@code n} at {@code DequantizeLinear(q, scale, 0)}.
     *
     * @param q     int8 or int32 data with the constant's shape
     * @param scale one scale (per tensor) or one per index of {@code axis}
     * @return the DequantizeLinear output
     */
    public Value replace(Node n, int index, Tensor q, float[] scale, int axis, String nameHint) {
        Graph g = n.graph();
        Value old = n.input(index);
        Value qv = editor.newConstant(g, nameHint + "_quantized", q);
        boolean perAxis = scale.length > 1;
        long[] sd = perAxis ? new long[] {scale.length} : new long[0];
        Value s = editor.newConstant(g, nameHint + "_scale", Tensor.ofFloats(sd, scale));
        Tensor zp = q.dataType() == DataType.INT32
                ? Tensor.ofInts(sd, new int[scale.length > 1 ? scale.length : 1])
                : Tensor.ofBytes(q.dataType(), sd, new byte[scale.length > 1 ? scale.length : 1]);
        Value z = editor.newConstant(g, nameHint + "_zero_point", zp);
        Map<String, Attr> attrs = perAxis ? Map.of("axis", Attr.of((long) axis)) : Map.of();
        Value dq = editor.rewriter().add(g, "DequantizeLinear", nameHint + "_dequantize", List.of(qv, s, z), attrs);
        editor.rewriter().setInput(n, index, dq);
        editor.removeIfDead(old);
        return dq;
    }
}
