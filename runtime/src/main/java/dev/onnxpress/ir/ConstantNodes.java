package dev.onnxpress.ir;

import java.util.Optional;

/** The tensor a {@code Constant} node produces, whichever of its attribute forms holds it. */
final class ConstantNodes {
    private ConstantNodes() {
    }

    static Optional<Tensor> value(Node constant) {
        for (Attr a : constant.attrs.values()) {
            if (!a.refAttrName().isEmpty()) {
                return Optional.empty();
            }
        }
        Attr a;
        if ((a = constant.attrs.get("value")) != null && a.kind() == Attr.Kind.TENSOR) {
            return Optional.of(a.t());
        }
        if ((a = constant.attrs.get("value_float")) != null) {
            return Optional.of(Tensor.scalarFloat(a.f()));
        }
        if ((a = constant.attrs.get("value_floats")) != null) {
            float[] f = a.floats();
            return Optional.of(Tensor.ofFloats(new long[] {f.length}, f));
        }
        if ((a = constant.attrs.get("value_int")) != null) {
            return Optional.of(Tensor.scalarLong(a.i()));
        }
        if ((a = constant.attrs.get("value_ints")) != null) {
            long[] l = a.ints();
            return Optional.of(Tensor.ofLongs(new long[] {l.length}, l));
        }
        if ((a = constant.attrs.get("value_string")) != null) {
            return Optional.of(Tensor.ofStrings(new long[0], java.util.List.of(a.bytes())));
        }
        if ((a = constant.attrs.get("value_strings")) != null) {
            return Optional.of(Tensor.ofStrings(new long[] {a.byteStrings().size()}, a.byteStrings()));
        }
        return Optional.empty();
    }
}
