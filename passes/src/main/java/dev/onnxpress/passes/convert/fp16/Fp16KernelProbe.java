package dev.onnxpress.passes.convert.fp16;

import dev.onnxpress.error.OnnxpressException;
import dev.onnxpress.ir.Attr;
import dev.onnxpress.ir.DataType;
import dev.onnxpress.ir.Graph;
import dev.onnxpress.ir.Model;
import dev.onnxpress.ir.ModelReader;
import dev.onnxpress.ir.ModelWriter;
import dev.onnxpress.ir.Node;
import dev.onnxpress.ir.Rewriter;
import dev.onnxpress.ir.Value;
import dev.onnxpress.ir.ValueType;
import dev.onnxpress.ort.OrtRunner;
import dev.onnxpress.passes.core.ElementTypes;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Does ONNX Runtime's CPU provider run this node in float16? Asked empirically: a one-node model with
 * the node's op, attributes and opset, float inputs turned float16, is loaded with the optimized model
 * written out. ORT's mandatory cast-insertion step wraps a node that has no float16 kernel in Casts (or
 * expands a function op into several nodes); a node with a kernel comes back alone. A model ORT refuses
 * counts as "no kernel". Answers are cached per domain, op, opset and input types for the process.
 */
final class Fp16KernelProbe {
    private static final Map<String, Boolean> CACHE = new ConcurrentHashMap<>();

    private Fp16KernelProbe() {
    }

    static boolean hasKernel(Model model, Node n, ElementTypes types, java.util.Set<Integer> pinned) {
        long opset = model.opset(n.domain()).orElse(model.defaultOpset());
        List<DataType> in = new ArrayList<>();
        for (int i = 0; i < n.inputCount(); i++) {
            Value v = n.input(i);
            DataType d = v.isNone() ? DataType.UNDEFINED : types.of(v).orElse(DataType.UNDEFINED);
            in.add(d == DataType.FLOAT && !pinned.contains(i) ? DataType.FLOAT16 : d);
        }
        String key = n.domain() + "|" + n.opType() + "|" + opset + "|" + in;
        return CACHE.computeIfAbsent(key, k -> probe(model, n, types, in));
    }

    private static boolean probe(Model source, Node n, ElementTypes types, List<DataType> in) {
        Graph g = Graph.create("probe");
        Model m = Model.create(g, Math.max(8, Math.min(source.irVersion(), 10)), source.defaultOpset());
        Rewriter rw = new Rewriter(m);
        for (Map.Entry<String, Long> e : source.opsets().entrySet()) {
            rw.setOpset(e.getKey(), e.getValue());
        }
        List<Value> ins = new ArrayList<>();
        for (int i = 0; i < in.size(); i++) {
            if (in.get(i) == DataType.UNDEFINED) {
                if (n.input(i).isNone()) {
                    ins.add(Value.none());
                    continue;
                }
                return false;
            }
            ins.add(rw.addGraphInput(g, "in" + i, ValueType.TensorType.unranked(in.get(i))));
        }
        Map<String, Attr> attrs = new LinkedHashMap<>(n.attrs());
        Node p = rw.addNode(g, n.opType(), n.domain(), "probe", ins, n.outputs().size(), attrs);
        for (int i = 0; i < n.outputs().size(); i++) {
            if (n.output(i).isNone()) {
                continue;
            }
            DataType d = types.of(n.output(i)).orElse(DataType.UNDEFINED);
            if (d == DataType.UNDEFINED) {
                return false;
            }
            Value o = p.output(i);
            rw.setType(o, ValueType.TensorType.unranked(d == DataType.FLOAT ? DataType.FLOAT16 : d));
            rw.addGraphOutput(g, o);
        }
        Path out = null;
        try {
            out = Files.createTempFile("onnxpress-fp16-probe", ".onnx");
            try (OrtRunner r = OrtRunner.open(ModelWriter.toBytes(m),
                    OrtRunner.Options.defaults().withOptimizedModelPath(out))) {
                Model opt = ModelReader.read(out);
                List<Node> nodes = opt.graph().nodes();
                return nodes.size() == 1 && nodes.get(0).opType().equals(n.opType());
            }
        } catch (OnnxpressException e) {
            return false;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            if (out != null) {
                try {
                    Files.deleteIfExists(out);
                } catch (IOException ignored) {
                    // a temporary file left behind is harmless
                }
            }
        }
    }
}
