package dev.onnxpress.passes.core.target;

import dev.onnxpress.ir.Dim;
import dev.onnxpress.ir.Model;
import dev.onnxpress.ir.Rewriter;
import dev.onnxpress.ir.Value;
import dev.onnxpress.ir.ValueType;
import dev.onnxpress.ort.IoInfo;
import dev.onnxpress.ort.OrtRunner;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Types graph outputs that carry none (ONNX allows it; OpenCV's importer asserts on it): element type
 * and shape as ONNX Runtime's session reports them, symbolic dims by name.
 */
public final class OutputTypes {
    private OutputTypes() {
    }

    /** The names of the top-level graph outputs without a tensor type. */
    public static List<String> untyped(Model model) {
        List<String> names = new ArrayList<>();
        for (Value v : model.graph().outputs()) {
            if (v.type().isEmpty()) {
                names.add(v.name());
            }
        }
        return names;
    }

    /** Types every untyped graph output; returns how many it typed. */
    public static int fill(Model model, Rewriter rw) {
        if (untyped(model).isEmpty()) {
            return 0;
        }
        Map<String, IoInfo> infos;
        try (OrtRunner r = OrtRunner.open(model, List.of(), OrtRunner.Options.defaults())) {
            infos = r.outputs().stream().collect(Collectors.toMap(IoInfo::name, Function.identity()));
        }
        int typed = 0;
        for (Value v : model.graph().outputs()) {
            IoInfo info = infos.get(v.name());
            if (v.type().isEmpty() && info != null && info.isTensor()) {
                long[] shape = info.shape();
                List<Dim> dims = new ArrayList<>(shape.length);
                for (int i = 0; i < shape.length; i++) {
                    dims.add(shape[i] >= 0 ? Dim.of(shape[i])
                            : info.dimNames().get(i).isEmpty() ? Dim.unknown() : Dim.of(info.dimNames().get(i)));
                }
                rw.setType(v, ValueType.TensorType.of(info.type(), dims));
                typed++;
            }
        }
        return typed;
    }
}
