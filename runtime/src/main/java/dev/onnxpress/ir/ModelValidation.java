package dev.onnxpress.ir;

import dev.onnxpress.error.InvalidModelException;
import dev.onnxpress.proto.Onnx;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Checks on a model message, made when it is read, for what ONNX Runtime would reject later with a message
 * of its own (or onnxpress would trip over): an IR version newer than we read, opset versions below 1, a node
 * that reads its own output, model-local functions that call themselves, control-flow nodes without their
 * graphs, and undefined element types on the model's inputs, outputs and initializers. Each is one line naming
 * the model and the place.
 */
public final class ModelValidation {
    /** The newest IR version onnxpress reads (ONNX 1.18). */
    public static final long MAX_IR_VERSION = 11;

    private static final Map<String, List<String>> REQUIRED_GRAPHS = Map.of(
            "If", List.of("then_branch", "else_branch"),
            "Loop", List.of("body"),
            "Scan", List.of("body"));

    private ModelValidation() {
    }

    static void validate(Onnx.ModelProto mp, String source) {
        if (mp.getIrVersion() > MAX_IR_VERSION) {
            throw new InvalidModelException(source + ": IR version " + mp.getIrVersion()
                    + " is newer than onnxpress reads (at most " + MAX_IR_VERSION + ")");
        }
        if (mp.getIrVersion() < 0) {
            throw new InvalidModelException(source + ": IR version " + mp.getIrVersion() + " is not a version");
        }
        for (Onnx.OperatorSetIdProto op : mp.getOpsetImportList()) {
            if (op.getVersion() < 1) {
                throw new InvalidModelException(source + ": imports opset " + op.getVersion() + " of domain '"
                        + (op.getDomain().isEmpty() ? "ai.onnx" : op.getDomain()) + "'; opset versions start at 1");
            }
        }
        Onnx.GraphProto g = mp.getGraph();
        for (Onnx.ValueInfoProto vi : g.getInputList()) {
            undefinedType(vi, "input", source);
        }
        for (Onnx.ValueInfoProto vi : g.getOutputList()) {
            undefinedType(vi, "output", source);
        }
        graph(g, source, 0);
        functions(mp.getFunctionsList(), source);
    }

    private static void undefinedType(Onnx.ValueInfoProto vi, String what, String source) {
        if (vi.hasType() && vi.getType().hasTensorType()
                && vi.getType().getTensorType().getElemType() == Onnx.TensorProto.DataType.UNDEFINED_VALUE) {
            throw new InvalidModelException(source + ": model " + what + " '" + vi.getName()
                    + "' has an undefined element type (0)");
        }
    }

    private static String label(Onnx.NodeProto n, int index) {
        return n.getName().isEmpty() ? n.getOpType() + "_" + index : n.getName();
    }

    private static void graph(Onnx.GraphProto g, String source, int depth) {
        String where = g.getName().isEmpty() ? "graph" : "graph '" + g.getName() + "'";
        for (Onnx.TensorProto t : g.getInitializerList()) {
            if (t.getDataType() == Onnx.TensorProto.DataType.UNDEFINED_VALUE) {
                throw new InvalidModelException(source + ": initializer '" + t.getName()
                        + "' has an undefined data type (0)");
            }
        }
        for (int i = 0; i < g.getNodeCount(); i++) {
            Onnx.NodeProto n = g.getNode(i);
            Set<String> outs = new HashSet<>();
            for (String o : n.getOutputList()) {
                if (!o.isEmpty()) {
                    outs.add(o);
                }
            }
            for (String in : n.getInputList()) {
                if (outs.contains(in)) {
                    throw new InvalidModelException(source + ": node '" + label(n, i) + "' (" + n.getOpType() + ") in "
                            + where + " reads its own output '" + in + "'");
                }
            }
            boolean standard = n.getDomain().isEmpty() || n.getDomain().equals("ai.onnx");
            List<String> required = standard ? REQUIRED_GRAPHS.get(n.getOpType()) : null;
            if (required != null) {
                Set<String> present = new HashSet<>();
                for (Onnx.AttributeProto a : n.getAttributeList()) {
                    if (a.hasG()) {
                        present.add(a.getName());
                    }
                }
                for (String r : required) {
                    if (!present.contains(r)) {
                        throw new InvalidModelException(source + ": node '" + label(n, i) + "' (" + n.getOpType()
                                + ") in " + where + " has no " + r + " graph");
                    }
                }
            }
            for (Onnx.AttributeProto a : n.getAttributeList()) {
                if (a.hasG()) {
                    graph(a.getG(), source, depth + 1);
                }
                for (Onnx.GraphProto sub : a.getGraphsList()) {
                    graph(sub, source, depth + 1);
                }
            }
        }
    }

    /** Model-local functions may call each other, never (directly or not) themselves. */
    private static void functions(List<Onnx.FunctionProto> fs, String source) {
        if (fs.isEmpty()) {
            return;
        }
        Map<String, Onnx.FunctionProto> byKey = new LinkedHashMap<>();
        for (Onnx.FunctionProto f : fs) {
            byKey.put(key(f.getDomain(), f.getName(), f.getOverload()), f);
        }
        Map<String, List<String>> calls = new HashMap<>();
        for (Map.Entry<String, Onnx.FunctionProto> e : byKey.entrySet()) {
            List<String> callees = new ArrayList<>();
            for (Onnx.NodeProto n : e.getValue().getNodeList()) {
                String k = key(n.getDomain(), n.getOpType(), n.getOverload());
                if (byKey.containsKey(k)) {
                    callees.add(k);
                }
            }
            calls.put(e.getKey(), callees);
        }
        // iterative depth-first search: 0 unvisited, 1 on the path, 2 done
        Map<String, Integer> state = new HashMap<>();
        for (String start : byKey.keySet()) {
            if (state.getOrDefault(start, 0) != 0) {
                continue;
            }
            List<String> path = new ArrayList<>();
            List<Integer> next = new ArrayList<>();
            path.add(start);
            next.add(0);
            state.put(start, 1);
            while (!path.isEmpty()) {
                String top = path.get(path.size() - 1);
                int i = next.get(next.size() - 1);
                List<String> callees = calls.get(top);
                if (i < callees.size()) {
                    next.set(next.size() - 1, i + 1);
                    String c = callees.get(i);
                    int s = state.getOrDefault(c, 0);
                    if (s == 1) {
                        List<String> cycle = new ArrayList<>(path.subList(path.indexOf(c), path.size()));
                        cycle.add(c);
                        throw new InvalidModelException(source + ": model-local function '" + byKey.get(c).getName()
                                + "' calls itself (" + String.join(" → ", cycle.stream()
                                .map(k -> byKey.get(k).getName()).toList()) + "); ONNX functions cannot recurse");
                    }
                    if (s == 0) {
                        state.put(c, 1);
                        path.add(c);
                        next.add(0);
                    }
                } else {
                    state.put(top, 2);
                    path.remove(path.size() - 1);
                    next.remove(next.size() - 1);
                }
            }
        }
    }

    private static String key(String domain, String name, String overload) {
        return domain + "\u0000" + name + "\u0000" + overload;
    }
}
