package dev.onnxpress.passes.convert.compatible;

import dev.onnxpress.ir.Attr;
import dev.onnxpress.ir.DataType;
import dev.onnxpress.ir.Graph;
import dev.onnxpress.ir.Model;
import dev.onnxpress.ir.Node;
import dev.onnxpress.ir.Rewriter;
import dev.onnxpress.ir.Tensor;
import dev.onnxpress.ir.Value;
import dev.onnxpress.ir.ValueType;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Makes a model float32 where it holds float16 (what convert_fp16 wrote): float16 initializers and
 * Constant values widen exactly, Casts to float16 become Casts to float, and every float16 value type,
 * graph inputs and outputs included, becomes float. The float16 rounding already in the weights stays.
 */
final class Float16ToFloat32 {
    private Float16ToFloat32() {
    }

    /** The number of tensors, attributes and types changed. */
    static long convert(Model model, Rewriter rw) {
        long changed = 0;
        for (Graph g : model.graph().allGraphs()) {
            for (Map.Entry<Value, Tensor> e : new ArrayList<>(g.initializers().entrySet())) {
                if (e.getValue().dataType() == DataType.FLOAT16) {
                    rw.setInitializer(e.getKey(), widen(e.getValue()));
                    changed++;
                }
            }
            List<Value> values = new ArrayList<>(g.inputs());
            values.addAll(g.outputs());
            values.addAll(g.valueInfo());
            for (Node n : g.nodes()) {
                values.addAll(n.outputs());
                if (n.is("Cast") && n.attrInt("to", 0) == DataType.FLOAT16.code()) {
                    rw.setAttr(n, "to", Attr.of((long) DataType.FLOAT.code()));
                    changed++;
                }
                if (n.is("Constant") || n.is("ConstantOfShape")) {
                    var v = n.attr("value");
                    if (v.isPresent() && v.get().kind() == Attr.Kind.TENSOR && v.get().t().dataType() == DataType.FLOAT16) {
                        rw.setAttr(n, "value", Attr.of(widen(v.get().t())));
                        changed++;
                    }
                }
            }
            for (Value v : values) {
                if (v.isNone()) {
                    continue;
                }
                var t = v.tensorType();
                if (t.isPresent() && t.get().elemType() == DataType.FLOAT16) {
                    rw.setType(v, new ValueType.TensorType(DataType.FLOAT, t.get().shape()));
                    changed++;
                }
            }
        }
        return changed;
    }

    private static Tensor widen(Tensor t) {
        return Tensor.of(DataType.FLOAT, t.dims(), t.toDoubleArray());
    }
}
