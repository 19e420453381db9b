package dev.onnxpress.testing;

import dev.onnxpress.ir.Attr;
import dev.onnxpress.ir.DataType;
import dev.onnxpress.ir.Dim;
import dev.onnxpress.ir.Graph;
import dev.onnxpress.ir.Model;
import dev.onnxpress.ir.Node;
import dev.onnxpress.ir.Rewriter;
import dev.onnxpress.ir.Tensor;
import dev.onnxpress.ir.Value;
import dev.onnxpress.ir.ValueType;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Builds tiny IR models for unit tests, by value name. Dimensions are {@code Long}/{@code Integer} (fixed)
 * or {@code String} (symbolic). Names given are kept exactly; node names default to the op type.
 *
 * <pre>
 * Model m = GraphBuilder.model("tiny")                  // opset 17, IR 8 unless changed
 *     .input("x", DataType.FLOAT, "batch", 3)
 *     .initializer("w", Tensor.ofFloats(new long[] {3}, 1, 2, 3))
 *     .constant("c", Tensor.scalarFloat(2))               // a Constant node producing "c"
 *     .node("Mul", List.of("x", "w"), List.of("xw"))
 *     .node("Add", List.of("xw", "c"), List.of("y"))
 *     .ifNode("cond", List.of("z"),
 *             then -> then.node("Identity", List.of("y"), List.of("t")).output("t"),
 *             other -> other.node("Neg", List.of("y"), List.of("e")).output("e"))
 *     .output("y", DataType.FLOAT, "batch", 3)
 *     .build();
 * </pre>
 * Names of node inputs are looked up in the current graph, then enclosing ones (outer-scope reads);
 * {@code ""} is an omitted optional input. Types of node outputs are optional: ONNX Runtime infers them.
 */
public final class GraphBuilder {
    private final Model model;
    private final Graph graph;
    private final Rewriter rw;

    private GraphBuilder(Model model, Graph graph, Rewriter rw) {
        this.model = model;
        this.graph = graph;
        this.rw = rw;
    }

    /** A builder for a new model (IR version 8, default opset 17). */
    public static GraphBuilder model(String graphName) {
        Model m = Model.create(Graph.create(graphName), 8, 17);
        return new GraphBuilder(m, m.graph(), new Rewriter(m));
    }

    /** Sets the default-domain opset (only on the top-level builder). */
    public GraphBuilder opset(long version) {
        rw.setOpset("", version);
        return this;
    }

    /** Imports another operator domain (for custom ops). */
    public GraphBuilder opset(String domain, long version) {
        rw.setOpset(domain, version);
        return this;
    }

    public GraphBuilder irVersion(long version) {
        rw.setIrVersion(version);
        return this;
    }

    /** The graph being built (the top-level one, or the subgraph inside a branch callback). */
    public Graph graph() {
        return graph;
    }

    /** A rewriter over the model, for anything the builder does not cover. */
    public Rewriter rewriter() {
        return rw;
    }

    public GraphBuilder input(String name, DataType type, Object... dims) {
        Value v = rw.addGraphInput(graph, name, tensorType(type, dims));
        requireName(v, name);
        return this;
    }

    /** An initializer (not listed as a graph input). */
    public GraphBuilder initializer(String name, Tensor t) {
        long ir = model.irVersion();
        Value v = rw.addInitializer(graph, name, t);
        rw.setIrVersion(ir); // the builder writes the IR version it was told, as an old exporter does
        requireName(v, name);
        return this;
    }

    /** An initializer that is also listed as a graph input, as IR version 3 writers do. */
    public GraphBuilder initializerInput(String name, Tensor t) {
        initializer(name, t);
        rw.listInitializerAsInput(value(name));
        return this;
    }

    /** A {@code Constant} node whose output is {@code name}. */
    public GraphBuilder constant(String name, Tensor t) {
        return node("Constant", List.of(), List.of(name), Map.of("value", Attr.of(t)));
    }

    public GraphBuilder node(String opType, List<String> inputs, List<String> outputs) {
        return node(opType, inputs, outputs, Map.of());
    }

    public GraphBuilder node(String opType, List<String> inputs, List<String> outputs, Map<String, Attr> attrs) {
        add("", opType, inputs, outputs, attrs);
        return this;
    }

    /** A node in another domain (the domain is imported with version 1 unless already imported). */
    public GraphBuilder customNode(String domain, String opType, List<String> inputs, List<String> outputs,
            Map<String, Attr> attrs) {
        if (model.opset(domain).isEmpty()) {
            rw.setOpset(domain, 1);
        }
        add(domain, opType, inputs, outputs, attrs);
        return this;
    }

    /** Adds a node and returns it (for tests that need the node itself). */
    public Node add(String domain, String opType, List<String> inputs, List<String> outputs, Map<String, Attr> attrs) {
        List<Value> ins = new ArrayList<>();
        for (String in : inputs) {
            ins.add(in.isEmpty() ? Value.none() : value(in));
        }
        Node n = rw.addNode(graph, opType, domain, opType, ins, outputs.size(), new LinkedHashMap<>(attrs));
        for (int i = 0; i < outputs.size(); i++) {
            rw.rename(n.output(i), outputs.get(i));
        }
        return n;
    }

    /** An {@code If} node; each branch callback builds its subgraph and must declare its outputs. */
    public GraphBuilder ifNode(String cond, List<String> outputs, Consumer<GraphBuilder> thenBranch,
            Consumer<GraphBuilder> elseBranch) {
        Graph thenG = subgraph("then_" + outputs.get(0), thenBranch);
        Graph elseG = subgraph("else_" + outputs.get(0), elseBranch);
        Map<String, Attr> attrs = new LinkedHashMap<>();
        attrs.put("then_branch", Attr.of(thenG));
        attrs.put("else_branch", Attr.of(elseG));
        return node("If", List.of(cond), outputs, attrs);
    }

    /** A subgraph nested in this graph (for Loop/Scan bodies or hand-made If nodes). */
    public Graph subgraph(String name, Consumer<GraphBuilder> body) {
        Graph sub = rw.newSubgraph(graph, name);
        body.accept(new GraphBuilder(model, sub, rw));
        return sub;
    }

    /** Declares a graph output with a type. */
    public GraphBuilder output(String name, DataType type, Object... dims) {
        Value v = value(name);
        rw.setType(v, tensorType(type, dims));
        rw.addGraphOutput(graph, v);
        return this;
    }

    /** Declares a graph output keeping whatever type the value has (subgraph outputs may be untyped). */
    public GraphBuilder output(String name) {
        rw.addGraphOutput(graph, value(name));
        return this;
    }

    /** Sets the doc string of the value, node (by name) or graph, for tests of doc stripping. */
    public GraphBuilder valueDoc(String valueName, String doc) {
        rw.setDocString(value(valueName), doc);
        return this;
    }

    public GraphBuilder modelDoc(String doc) {
        rw.setModelDocString(doc);
        return this;
    }

    public GraphBuilder metadata(Map<String, String> md) {
        rw.setModelMetadata(md);
        return this;
    }

    /** A value visible in this graph (own scope first, then enclosing ones). */
    public Value value(String name) {
        return graph.findValue(name).orElseThrow(() -> new IllegalArgumentException(
                "GraphBuilder: no value '" + name + "' visible in graph '" + graph.name() + "'"));
    }

    public Model build() {
        graph.sortTopologically();
        return model;
    }

    private static void requireName(Value v, String name) {
        if (!v.name().equals(name)) {
            throw new IllegalArgumentException("GraphBuilder: name '" + name + "' is already used");
        }
    }

    static ValueType.TensorType tensorType(DataType type, Object... dims) {
        List<Dim> ds = new ArrayList<>();
        for (Object d : dims) {
            if (d instanceof Number n) {
                ds.add(Dim.of(n.longValue()));
            } else if (d instanceof String s) {
                ds.add(Dim.of(s));
            } else {
                throw new IllegalArgumentException("dimension must be a number or a name: " + d);
            }
        }
        return ValueType.TensorType.of(type, ds);
    }
}
