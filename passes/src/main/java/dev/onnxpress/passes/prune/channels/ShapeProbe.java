package dev.onnxpress.passes.prune.channels;

import dev.onnxpress.error.UserException;
import dev.onnxpress.ir.DataType;
import dev.onnxpress.ir.Dim;
import dev.onnxpress.ir.Graph;
import dev.onnxpress.ir.Model;
import dev.onnxpress.ir.Node;
import dev.onnxpress.ir.Tensor;
import dev.onnxpress.ir.Value;
import dev.onnxpress.ir.ValueType;
import dev.onnxpress.ort.OrtRunner;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The shape of every tensor of the main graph, measured: one ONNX Runtime run with every node output
 * tapped. Declared value_info is often missing or stale (paddle2onnx writes none), and the channel
 * analysis needs ranks and channel counts everywhere. Feeds are a calibration batch when one is given,
 * otherwise zeros with symbolic dimensions set to 1 (batch) or 64 (others).
 */
final class ShapeProbe {
    private ShapeProbe() {
    }

    static Map<Value, long[]> measure(Model model, Optional<Map<String, Tensor>> sample) {
        Graph g = model.graph();
        Map<String, Tensor> feeds = sample.map(f -> firstSample(g, f)).orElseGet(() -> zeros(g));
        List<Value> values = new ArrayList<>();
        for (Node n : g.nodes()) {
            if (n.is("Constant")) {
                continue;
            }
            for (Value o : n.outputs()) {
                if (!o.isNone() && o.type().map(t -> t instanceof ValueType.TensorType).orElse(true)) {
                    values.add(o);
                }
            }
        }
        Map<Value, long[]> out = new IdentityHashMap<>();
        for (Value in : g.realInputs()) {
            Tensor t = feeds.get(in.name());
            if (t != null) {
                out.put(in, t.dims());
            }
        }
        if (values.isEmpty()) {
            return out;
        }
        List<String> names = values.stream().map(Value::name).toList();
        Map<String, Tensor> got;
        try (OrtRunner ort = OrtRunner.open(model, names, OrtRunner.Options.defaults())) {
            got = ort.run(feeds, names);
        } catch (UserException e) {
            throw new UserException("prune_channels: cannot measure tensor shapes: " + e.getMessage(), e);
        }
        for (Value v : values) {
            Tensor t = got.get(v.name());
            if (t != null) {
                out.put(v, t.dims());
            }
        }
        return out;
    }

    /** One sample of a calibration batch where the batch dimension is free: taps of a whole batch cost memory. */
    private static Map<String, Tensor> firstSample(Graph g, Map<String, Tensor> batch) {
        Map<String, Tensor> out = new LinkedHashMap<>(batch);
        for (Value in : g.realInputs()) {
            Tensor t = batch.get(in.name());
            boolean free = in.tensorType().flatMap(ValueType.TensorType::shape)
                    .map(s -> !s.isEmpty() && !s.get(0).isKnown()).orElse(false);
            if (t != null && free && t.rank() > 0 && t.dim(0) > 1) {
                long[] d = t.dims();
                d[0] = 1;
                byte[] raw = java.util.Arrays.copyOf(t.rawBytes(), (int) t.dataType().byteSize(Tensor.elementCount(d)));
                out.put(in.name(), Tensor.ofRaw(t.dataType(), d, raw));
            }
        }
        return out;
    }

    private static Map<String, Tensor> zeros(Graph g) {
        Map<String, Tensor> feeds = new LinkedHashMap<>();
        for (Value in : g.realInputs()) {
            ValueType.TensorType t = in.tensorType().filter(x -> x.shape().isPresent()).orElseThrow(() ->
                    new UserException("prune_channels: input '" + in.name() + "' has no tensor shape; give"
                            + " calibration data"));
            List<Dim> shape = t.shape().get();
            long[] dims = new long[shape.size()];
            for (int i = 0; i < dims.length; i++) {
                dims[i] = shape.get(i).sizeOr(i == 0 ? 1 : 64);
            }
            DataType dt = t.elemType();
            feeds.put(in.name(), Tensor.ofRaw(dt, dims, new byte[(int) dt.byteSize(Tensor.elementCount(dims))]));
        }
        return feeds;
    }
}
