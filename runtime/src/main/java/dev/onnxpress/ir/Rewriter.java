package dev.onnxpress.ir;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The only way to change a model. Every change goes through here and is counted, so a pass's
 * "changed" flag is honest. Nodes may be added in any order; the graph re-sorts itself topologically
 * before its nodes are next listed.
 */
public final class Rewriter {
    private final Model model;
    private long changes;
    private Set<String> names;
    /** Per name hint, the next suffix worth trying: repeated hints do not rescan taken suffixes. */
    private final Map<String, Integer> nextSuffix = new HashMap<>();

    public Rewriter(Model model) {
        this.model = model;
    }

    public Model model() {
        return model;
    }

    /** How many changes were made so far. */
    public long changes() {
        return changes;
    }

    private void changed() {
        changes++;
    }

    // ---------------------------------------------------------------- names

    /** A name no value or node in the model uses yet, based on {@code hint}. */
    public String uniqueName(String hint) {
        if (names == null) {
            names = model.graph().usedNames();
        }
        String base = hint == null || hint.isEmpty() ? "v" : hint;
        String candidate = base;
        if (names.contains(candidate)) {
            int k = nextSuffix.getOrDefault(base, 1);
            do {
                candidate = base + "_" + k++;
            } while (names.contains(candidate));
            nextSuffix.put(base, k);
        }
        names.add(candidate);
        return candidate;
    }

    // ---------------------------------------------------------------- values

    /** Renames a value; graph input and output names are part of the model's interface: never rename those. */
    public void rename(Value v, String newName) {
        if (v.name().equals(newName)) {
            return;
        }
        if (names == null) {
            names = model.graph().usedNames();
        }
        names.add(newName);
        v.setName(newName);
        changed();
    }

    public void setType(Value v, ValueType type) {
        if (type.equals(v.type().orElse(null))) {
            return;
        }
        v.setType(type);
        if (v.owner != null && !v.isGraphInput() && !v.isGraphOutput() && !v.isInitializer()) {
            v.owner.valueInfo.add(v);
        }
        changed();
    }

    public void clearType(Value v) {
        if (v.type().isEmpty()) {
            return;
        }
        v.setType(null);
        if (v.owner != null) {
            v.owner.valueInfo.remove(v);
        }
        changed();
    }

    public void setDocString(Value v, String doc) {
        if (!v.docString().equals(doc)) {
            v.setDocString(doc);
            changed();
        }
    }

    /**
     * Makes every node that reads {@code from} read {@code to} instead (in subgraphs too), and every
     * graph output that is {@code from} become {@code to}. To keep the model's interface, callers that
     * replace a graph output should make sure {@code to} carries its name (see {@link #rename}).
     */
    public void replaceAllUses(Value from, Value to) {
        if (from == to) {
            return;
        }
        for (Value.Use u : new ArrayList<>(from.uses)) {
            setInput(u.node(), u.inputIndex(), to);
        }
        for (Graph g = from.owner; g != null; g = null) {
            for (int i = 0; i < g.outputs.size(); i++) {
                if (g.outputs.get(i) == from) {
                    g.outputs.set(i, to);
                    changed();
                }
            }
        }
        // subgraph outputs may name an outer value directly
        for (Graph g : model.graph().allGraphs()) {
            if (g == from.owner) {
                continue;
            }
            for (int i = 0; i < g.outputs.size(); i++) {
                if (g.outputs.get(i) == from) {
                    g.outputs.set(i, to);
                    changed();
                }
            }
        }
    }

    // ---------------------------------------------------------------- nodes

    /**
     * Adds a node to {@code graph}; creates {@code outputCount} fresh outputs named after {@code nameHint}.
     * Attributes keep the order of an ordered map (LinkedHashMap, SortedMap) and are otherwise stored sorted
     * by name, so the written bytes never depend on a hash map's iteration order.
     */
    public Node addNode(Graph graph, String opType, String domain, String nameHint, List<Value> inputs,
            int outputCount, Map<String, Attr> attrs) {
        Node n = new Node(opType, domain, nameHint == null || nameHint.isEmpty() ? "" : uniqueName(nameHint));
        n.graph = graph;
        for (int i = 0; i < outputCount; i++) {
            Value v = new Value(uniqueName((nameHint == null || nameHint.isEmpty() ? opType : nameHint)
                    + (outputCount == 1 ? "_out" : "_out" + i)), graph);
            v.producer = n;
            v.producerIndex = i;
            n.outputs.add(v);
        }
        for (int i = 0; i < inputs.size(); i++) {
            Value in = inputs.get(i);
            n.inputs.add(in);
            if (!in.isNone()) {
                in.uses.add(new Value.Use(n, i));
            }
        }
        // an ordered map keeps its order; any other is sorted by name (Map.of, which callers often pass,
        // iterates in an order that changes from one JVM run to the next)
        boolean ordered = attrs instanceof java.util.LinkedHashMap || attrs instanceof java.util.SortedMap;
        n.attrs.putAll(ordered ? attrs : new java.util.TreeMap<>(attrs));
        for (Attr a : attrs.values()) {
            for (Graph sub : a.subgraphs()) {
                sub.ownerNode = n;
                graph.markNested();
            }
        }
        graph.nodeList().add(n);
        markUnsorted(graph);
        changed();
        return n;
    }

    /** Adds a default-domain node with one output and returns that output. */
    public Value add(Graph graph, String opType, String nameHint, List<Value> inputs, Map<String, Attr> attrs) {
        return addNode(graph, opType, "", nameHint, inputs, 1, attrs).output();
    }

    /**
     * A changed read inside a subgraph may be an outer-scope read, which orders the owner node in the
     * enclosing graph: every enclosing graph re-sorts too.
     */
    private static void markUnsorted(Graph g) {
        for (Graph cur = g; cur != null; cur = cur.parent) {
            cur.needsSort = true;
        }
    }

    /** Removes a node. Its outputs must no longer be read by any node or be graph outputs. */
    public void removeNode(Node n) {
        for (Value o : n.outputs) {
            if (!o.isNone() && (!o.uses.isEmpty() || o.isGraphOutput())) {
                throw new IllegalStateException("cannot remove " + n + ": its output '" + o.name() + "' is still read");
            }
        }
        for (int i = 0; i < n.inputs.size(); i++) {
            dropUse(n.inputs.get(i), n, i);
        }
        for (Graph sub : n.subgraphs()) {
            detachSubgraph(sub);
        }
        n.graph.markRemoved(n);
        for (Value o : n.outputs) {
            if (!o.isNone()) {
                o.producer = null;
                n.graph.valueInfo.remove(o);
            }
        }
        changed();
    }

    private void detachSubgraph(Graph sub) {
        for (Node n : sub.nodeList()) {
            for (int i = 0; i < n.inputs.size(); i++) {
                dropUse(n.inputs.get(i), n, i);
            }
            for (Graph s : n.subgraphs()) {
                detachSubgraph(s);
            }
        }
    }

    private static void dropUse(Value v, Node n, int i) {
        if (v.isNone()) {
            return;
        }
        Iterator<Value.Use> it = v.uses.iterator();
        while (it.hasNext()) {
            Value.Use u = it.next();
            if (u.node() == n && u.inputIndex() == i) {
                it.remove();
                return;
            }
        }
    }

    /** Points input {@code index} of {@code n} at {@code v} (pads with omitted inputs if needed). */
    public void setInput(Node n, int index, Value v) {
        while (n.inputs.size() <= index) {
            n.inputs.add(Value.none());
        }
        Value old = n.inputs.get(index);
        if (old == v) {
            return;
        }
        dropUse(old, n, index);
        n.inputs.set(index, v);
        if (!v.isNone()) {
            v.uses.add(new Value.Use(n, index));
        }
        // trailing omitted inputs are dropped, as ONNX writers do
        while (!n.inputs.isEmpty() && n.inputs.get(n.inputs.size() - 1).isNone()) {
            n.inputs.remove(n.inputs.size() - 1);
        }
        markUnsorted(n.graph);
        changed();
    }

    /** Replaces all inputs of a node. */
    public void setInputs(Node n, List<Value> newInputs) {
        for (int i = 0; i < n.inputs.size(); i++) {
            dropUse(n.inputs.get(i), n, i);
        }
        n.inputs.clear();
        for (int i = 0; i < newInputs.size(); i++) {
            Value v = newInputs.get(i);
            n.inputs.add(v);
            if (!v.isNone()) {
                v.uses.add(new Value.Use(n, i));
            }
        }
        markUnsorted(n.graph);
        changed();
    }

    public void setAttr(Node n, String attrName, Attr a) {
        Attr old = n.attrs.put(attrName, a);
        if (old != null) {
            for (Graph sub : old.subgraphs()) {
                if (!a.subgraphs().contains(sub)) {
                    detachSubgraph(sub);
                }
            }
        }
        for (Graph sub : a.subgraphs()) {
            sub.ownerNode = n;
            n.graph.markNested();
        }
        changed();
    }

    public void removeAttr(Node n, String attrName) {
        Attr old = n.attrs.remove(attrName);
        if (old != null) {
            for (Graph sub : old.subgraphs()) {
                detachSubgraph(sub);
            }
            changed();
        }
    }

    public void setOpType(Node n, String opType, String domain) {
        n.setOpType(opType);
        n.setDomain(domain);
        changed();
    }

    public void setName(Node n, String newName) {
        if (!n.name().equals(newName)) {
            n.setName(newName);
            changed();
        }
    }

    public void setDocString(Node n, String doc) {
        if (!n.docString().equals(doc)) {
            n.setDocString(doc);
            changed();
        }
    }

    public void clearMetadata(Node n) {
        if (!n.metadata().isEmpty()) {
            n.mutableMetadata().clear();
            changed();
        }
    }

    // ---------------------------------------------------------------- initializers and graph I/O

    /** Adds a new initializer value holding {@code t}. */
    public Value addInitializer(Graph graph, String nameHint, Tensor t) {
        t = parked(t);
        Value v = new Value(uniqueName(nameHint), graph);
        v.setType(new ValueType.TensorType(t.dataType(), java.util.Optional.of(
                java.util.Arrays.stream(t.dims()).mapToObj(Dim::of).map(Dim.class::cast).toList())));
        graph.initializers.put(v, t);
        requireInitializersOutsideInputs();
        changed();
        return v;
    }

    /** {@code t}, or the same tensor in the model's scratch file when the model has one ({@link TensorSpill}). */
    private Tensor parked(Tensor t) {
        return model.spill == null ? t : model.spill.store(t);
    }

    /** The first IR version in which an initializer need not also be a graph input. */
    public static final long IR_INITIALIZERS_OUTSIDE_INPUTS = 4;

    /**
     * IR version 3 requires every initializer to be listed among the graph inputs too; a new initializer is
     * a constant, not an input a caller may override, so the model moves to IR version 4 instead (the
     * existing input-listed weights keep their listing). The step report tells the change from the versions.
     */
    private void requireInitializersOutsideInputs() {
        if (model.hasIrVersion && model.irVersion < IR_INITIALIZERS_OUTSIDE_INPUTS) {
            setIrVersion(IR_INITIALIZERS_OUTSIDE_INPUTS);
        }
    }

    /** Replaces the tensor of an existing initializer (same value, same readers). */
    public void setInitializer(Value v, Tensor t) {
        Graph g = v.owner;
        if (!g.initializers.containsKey(v)) {
            throw new IllegalStateException("'" + v.name() + "' is not an initializer");
        }
        t = parked(t);
        g.initializers.put(v, t);
        v.setType(new ValueType.TensorType(t.dataType(), java.util.Optional.of(
                java.util.Arrays.stream(t.dims()).mapToObj(Dim::of).map(Dim.class::cast).toList())));
        changed();
    }

    /** Removes an initializer; it must not be read any more (and stops being a graph input). */
    public void removeInitializer(Value v) {
        if (!v.uses.isEmpty() || v.isGraphOutput()) {
            throw new IllegalStateException("initializer '" + v.name() + "' is still read");
        }
        v.owner.initializers.remove(v);
        v.owner.inputs.remove(v);
        changed();
    }

    /** Removes a graph input that nothing reads. */
    public void removeGraphInput(Value v) {
        if (!v.uses.isEmpty()) {
            throw new IllegalStateException("graph input '" + v.name() + "' is still read");
        }
        if (v.owner.inputs.remove(v)) {
            changed();
        }
    }

    /** Stops listing an initializer among the graph inputs (it stays an initializer). */
    public void unlistInitializerInput(Value v) {
        if (v.owner.initializers.containsKey(v) && v.owner.inputs.remove(v)) {
            changed();
        }
    }

    /** Lists an initializer among the graph inputs too (IR version 3 requires it; callers may then override it). */
    public void listInitializerAsInput(Value v) {
        if (v.owner.initializers.containsKey(v) && !v.owner.inputs.contains(v)) {
            v.owner.inputs.add(v);
            changed();
        }
    }

    public void setGraphOutput(Graph g, int index, Value v) {
        if (g.outputs.get(index) != v) {
            g.outputs.set(index, v);
            changed();
        }
    }

    public void addGraphOutput(Graph g, Value v) {
        g.outputs.add(v);
        changed();
    }

    public void removeGraphOutput(Graph g, int index) {
        g.outputs.remove(index);
        changed();
    }

    /** Adds a new graph input of the given type. */
    public Value addGraphInput(Graph g, String name, ValueType type) {
        Value v = new Value(uniqueName(name), g);
        v.setType(type);
        g.inputs.add(v);
        changed();
        return v;
    }

    /** A fresh value owned by {@code g} with no producer yet (for subgraph construction). */
    public Value newDetachedValue(Graph g, String nameHint) {
        return new Value(uniqueName(nameHint), g);
    }

    /** A new subgraph nested in {@code parent}, to be attached to a node attribute. */
    public Graph newSubgraph(Graph parent, String name) {
        return new Graph(name, parent);
    }

    public void removeSparseInitializer(Value v) {
        if (!v.uses.isEmpty()) {
            throw new IllegalStateException("sparse initializer '" + v.name() + "' is still read");
        }
        if (v.owner.sparseInitializers.remove(v) != null) {
            v.owner.inputs.remove(v);
            changed();
        }
    }

    // ---------------------------------------------------------------- model and graph header

    public void setOpset(String domain, long version) {
        Long old = model.opsets.put(domain, version);
        if (old == null || old != version) {
            changed();
        }
    }

    /** Drops a domain's opset import (e.g. a custom domain no node uses any more). */
    public void removeOpset(String domain) {
        if (model.opsets.remove(domain) != null) {
            model.opsetDomainAbsent.remove(domain);
            changed();
        }
    }

    public void setDocString(Graph g, String doc) {
        if (!g.docString().equals(doc)) {
            g.setDocString(doc);
            changed();
        }
    }

    public void setMetadata(Graph g, Map<String, String> md) {
        if (!g.metadata.equals(md)) {
            g.metadata.clear();
            g.metadata.putAll(md);
            changed();
        }
    }

    public void setModelDocString(String doc) {
        if (!model.docString.equals(doc)) {
            model.docString = doc;
            changed();
        }
    }

    public void setModelMetadata(Map<String, String> md) {
        if (!model.metadata.equals(md)) {
            model.metadata.clear();
            model.metadata.putAll(md);
            changed();
        }
    }

    public void setProducer(String name, String version) {
        if (!model.producerName.equals(name) || !model.producerVersion.equals(version)) {
            model.producerName = name;
            model.producerVersion = version;
            changed();
        }
    }

    public void clearTrainingInfo() {
        if (!model.trainingInfo.isEmpty()) {
            model.trainingInfo.clear();
            changed();
        }
    }

    public void setIrVersion(long v) {
        if (model.irVersion != v || !model.hasIrVersion) {
            model.irVersion = v;
            model.hasIrVersion = true;
            changed();
        }
    }

    public void clearValueInfo(Graph g) {
        if (!g.valueInfo.isEmpty()) {
            for (Value v : g.valueInfo) {
                v.setType(null);
            }
            g.valueInfo.clear();
            changed();
        }
    }

    /** Records how the model should be written (empty: the writer's default placement). */
    public void setWriteOptions(java.util.Optional<ModelWriter.Options> options) {
        ModelWriter.Options o = options.orElse(null);
        if (!java.util.Objects.equals(model.writeOptions, o)) {
            model.writeOptions = o;
            changed();
        }
    }
}
