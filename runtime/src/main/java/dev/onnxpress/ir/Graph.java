package dev.onnxpress.ir;

import dev.onnxpress.error.InvalidModelException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.Set;

/**
 * A graph: inputs, initializers, nodes in topological order and outputs. Subgraphs (bodies of If, Loop
 * and Scan) are graphs owned by a node attribute; their nodes may read values of enclosing graphs.
 * Mutated only through a {@link Rewriter}.
 */
public final class Graph {
    private String name;
    private String docString = "";
    final List<Value> inputs = new ArrayList<>();
    final List<Value> outputs = new ArrayList<>();
    final LinkedHashMap<Value, Tensor> initializers = new LinkedHashMap<>();
    /** Sparse initializers kept in their serialized form; they still define values. */
    final LinkedHashMap<Value, byte[]> sparseInitializers = new LinkedHashMap<>();
    /** The nodes; removed ones stay (flagged) until the next {@link #nodeList()} compacts them out. */
    private final List<Node> nodeStore = new ArrayList<>();
    /** Nodes flagged removed but still in {@link #nodeStore}. */
    private int pendingRemovals;
    /** Internal values whose type is recorded in value_info, in file order. */
    final LinkedHashSet<Value> valueInfo = new LinkedHashSet<>();
    final List<byte[]> quantizationAnnotations = new ArrayList<>();
    final Map<String, String> metadata = new LinkedHashMap<>();
    byte[] unknownFields = new byte[0];
    final Graph parent;
    Node ownerNode;
    boolean needsSort;
    /**
     * On a root graph: whether a subgraph was ever created under it. Only ever set (a removed subgraph
     * leaves it set), so false means none exists and whole-model walks can skip looking for them.
     */
    private boolean nested;

    Graph(String name, Graph parent) {
        this.name = name == null ? "" : name;
        this.parent = parent;
        if (parent != null) {
            parent.root().nested = true;
        }
    }

    /** Records that a graph is attached below this one (also one built elsewhere, e.g. by a copy). */
    void markNested() {
        root().nested = true;
    }

    /** False only if no graph was ever nested in this model (checked on the root). */
    boolean mayHaveSubgraphs() {
        return root().nested;
    }

    /** A new empty top-level graph. */
    public static Graph create(String name) {
        return new Graph(name, null);
    }

    public String name() {
        return name;
    }

    void setName(String name) {
        this.name = name;
    }

    public String docString() {
        return docString;
    }

    void setDocString(String d) {
        this.docString = d == null ? "" : d;
    }

    public Map<String, String> metadata() {
        return Collections.unmodifiableMap(metadata);
    }

    public Optional<Graph> parent() {
        return Optional.ofNullable(parent);
    }

    /** The node whose attribute holds this subgraph. */
    public Optional<Node> ownerNode() {
        return Optional.ofNullable(ownerNode);
    }

    public Graph root() {
        Graph g = this;
        while (g.parent != null) {
            g = g.parent;
        }
        return g;
    }

    public List<Value> inputs() {
        return List.copyOf(inputs);
    }

    public List<Value> outputs() {
        return List.copyOf(outputs);
    }

    List<Value> inputsList() {
        return inputs;
    }

    List<Value> outputsList() {
        return outputs;
    }

    Map<Value, Tensor> initializerMap() {
        return initializers;
    }

    /** Graph inputs that are not initializers: what a caller must feed. */
    public List<Value> realInputs() {
        List<Value> out = new ArrayList<>();
        for (Value v : inputs) {
            if (!initializers.containsKey(v)) {
                out.add(v);
            }
        }
        return out;
    }

    /** Initializers, in file order. */
    public Map<Value, Tensor> initializers() {
        return Collections.unmodifiableMap(initializers);
    }

    public Optional<Tensor> initializer(Value v) {
        return Optional.ofNullable(initializers.get(v));
    }

    public Set<Value> sparseInitializers() {
        return Collections.unmodifiableSet(sparseInitializers.keySet());
    }

    /** Internal values with a recorded type. */
    public Set<Value> valueInfo() {
        return Collections.unmodifiableSet(valueInfo);
    }

    /**
     * The live node list (package use): drops nodes flagged removed first, in one linear pass, so
     * removing many nodes one by one costs linear time, not a list shift per removal.
     */
    List<Node> nodeList() {
        if (pendingRemovals > 0) {
            nodeStore.removeIf(Node::isRemoved);
            pendingRemovals = 0;
        }
        return nodeStore;
    }

    /** Flags a node of this graph removed; it leaves the list at the next {@link #nodeList()}. */
    void markRemoved(Node n) {
        n.removed = true;
        pendingRemovals++;
    }

    /** Nodes in topological order (a snapshot: safe to iterate while rewriting). */
    public List<Node> nodes() {
        if (needsSort) {
            sortTopologically();
        }
        return List.copyOf(nodeList());
    }

    public int nodeCount() {
        return nodeList().size();
    }

    /** This graph's nodes and, depth first, those of every subgraph. */
    public List<Node> allNodes() {
        if (!mayHaveSubgraphs()) {
            return new ArrayList<>(nodes());
        }
        List<Node> out = new ArrayList<>();
        for (Node n : nodes()) {
            out.add(n);
            for (Graph sub : n.subgraphs()) {
                out.addAll(sub.allNodes());
            }
        }
        return out;
    }

    /** This graph and every graph nested in it. */
    public List<Graph> allGraphs() {
        List<Graph> out = new ArrayList<>();
        out.add(this);
        if (!mayHaveSubgraphs()) {
            return out;
        }
        for (Node n : nodeList()) {
            for (Graph sub : n.subgraphs()) {
                out.addAll(sub.allGraphs());
            }
        }
        return out;
    }

    public boolean isOutput(Value v) {
        return outputs.contains(v);
    }

    /**
     * Is the value a constant, and what is it? Covers initializers (that are not also graph inputs a
     * caller could override) and outputs of {@code Constant} nodes, in this graph or an enclosing one.
     */
    public Optional<Tensor> constantValue(Value v) {
        if (v == null || v.isNone() || v.owner == null) {
            return Optional.empty();
        }
        Graph g = v.owner;
        Tensor init = g.initializers.get(v);
        if (init != null) {
            return g.inputs.contains(v) ? Optional.empty() : Optional.of(init);
        }
        Node p = v.producer;
        if (p != null && p.is("Constant") && p.outputs.size() == 1) {
            return ConstantNodes.value(p);
        }
        return Optional.empty();
    }

    public boolean isConstant(Value v) {
        return constantValue(v).isPresent();
    }

    /** A value visible in this graph by name: its own, then enclosing scopes. */
    public Optional<Value> findValue(String valueName) {
        for (Graph g = this; g != null; g = g.parent) {
            Optional<Value> v = g.ownValue(valueName);
            if (v.isPresent()) {
                return v;
            }
        }
        return Optional.empty();
    }

    private Optional<Value> ownValue(String valueName) {
        for (Value v : inputs) {
            if (v.name().equals(valueName)) {
                return Optional.of(v);
            }
        }
        for (Value v : initializers.keySet()) {
            if (v.name().equals(valueName)) {
                return Optional.of(v);
            }
        }
        for (Value v : sparseInitializers.keySet()) {
            if (v.name().equals(valueName)) {
                return Optional.of(v);
            }
        }
        for (Node n : nodeList()) {
            for (Value v : n.outputs) {
                if (v.name().equals(valueName)) {
                    return Optional.of(v);
                }
            }
        }
        return Optional.empty();
    }

    public Optional<Node> findNode(String nodeName) {
        for (Node n : allNodes()) {
            if (n.name().equals(nodeName)) {
                return Optional.of(n);
            }
        }
        return Optional.empty();
    }

    /** Values defined outside this graph that its nodes (or their subgraphs) read. */
    public Set<Value> outerScopeReads() {
        Set<Value> out = new LinkedHashSet<>();
        collectOuterReads(this, out);
        return out;
    }

    private void collectOuterReads(Graph scope, Set<Value> out) {
        for (Node n : nodeList()) {
            for (Value v : n.inputs) {
                if (!v.isNone() && !scope.defines(v)) {
                    out.add(v);
                }
            }
            for (Graph sub : n.subgraphs()) {
                sub.collectOuterReads(scope, out);
            }
        }
        for (Value v : outputs) {
            if (!scope.defines(v)) {
                out.add(v);
            }
        }
    }

    /** True if v is defined in this graph or a graph nested in it. */
    boolean defines(Value v) {
        for (Graph g = v.owner; g != null; g = g.parent) {
            if (g == this) {
                return true;
            }
        }
        return false;
    }

    /**
     * Orders the nodes so that every value is produced before it is read, keeping the existing order
     * where it already is one. Reads from inside a node's subgraphs count as reads by that node.
     *
     * @throws InvalidModelException if the graph has a cycle
     */
    public void sortTopologically() {
        needsSort = false;
        if (isSorted()) {
            return;
        }
        int n = nodeList().size();
        Map<Node, Integer> index = new IdentityHashMap<>();
        for (int i = 0; i < n; i++) {
            index.put(nodeList().get(i), i);
        }
        int[] pending = new int[n];
        List<List<Integer>> dependents = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            dependents.add(new ArrayList<>());
        }
        for (int i = 0; i < n; i++) {
            Node node = nodeList().get(i);
            Set<Node> deps = Collections.newSetFromMap(new IdentityHashMap<>());
            for (Value v : node.inputs) {
                addDep(v, index, deps);
            }
            for (Graph sub : node.subgraphs()) {
                for (Value v : sub.outerScopeReads()) {
                    addDep(v, index, deps);
                }
            }
            deps.remove(node);
            for (Node d : deps) {
                dependents.get(index.get(d)).add(i);
                pending[i]++;
            }
        }
        PriorityQueue<Integer> ready = new PriorityQueue<>();
        for (int i = 0; i < n; i++) {
            if (pending[i] == 0) {
                ready.add(i);
            }
        }
        List<Node> sorted = new ArrayList<>(n);
        while (!ready.isEmpty()) {
            int i = ready.poll();
            sorted.add(nodeList().get(i));
            for (int j : dependents.get(i)) {
                if (--pending[j] == 0) {
                    ready.add(j);
                }
            }
        }
        if (sorted.size() != n) {
            throw new InvalidModelException("graph '" + name + "' has a cycle through " + describeCycle(pending));
        }
        nodeList().clear();
        nodeList().addAll(sorted);
    }

    /**
     * True if every node comes after the producers of what it reads; then sorting would keep the order
     * as it is. Nodes holding subgraphs (whose outer reads order them too) are left to the full sort.
     */
    private boolean isSorted() {
        Set<Node> listed = identitySet(nodeList());
        Set<Node> placed = Collections.newSetFromMap(new IdentityHashMap<>(2 * nodeList().size()));
        for (Node node : nodeList()) {
            if (!node.subgraphs().isEmpty()) {
                return false;
            }
            for (Value v : node.inputs) {
                Node p = v.producer;
                if (p != null && p != node && listed.contains(p) && !placed.contains(p)) {
                    return false;
                }
            }
            if (!placed.add(node)) {
                return false; // listed twice: let the full sort deal with it
            }
        }
        return true;
    }

    /** A set of the given items compared by identity (IR objects have no value equality). */
    static <T> Set<T> identitySet(java.util.Collection<T> items) {
        Set<T> s = Collections.newSetFromMap(new IdentityHashMap<>(2 * items.size()));
        s.addAll(items);
        return s;
    }

    private static void addDep(Value v, Map<Node, Integer> index, Set<Node> deps) {
        if (v.producer != null && index.containsKey(v.producer)) {
            deps.add(v.producer);
        }
    }

    /**
     * One cycle among the nodes the sort could not place, named deterministically: the walk starts at the
     * first stuck node in list order, and the cycle found is written starting at its smallest label.
     */
    private String describeCycle(int[] pending) {
        // walk back from a stuck node along stuck producers until a node repeats
        Set<Node> stuck = Collections.newSetFromMap(new IdentityHashMap<>());
        Node start = null;
        for (int i = 0; i < nodeList().size(); i++) {
            if (pending[i] > 0) {
                stuck.add(nodeList().get(i));
                start = start == null ? nodeList().get(i) : start;
            }
        }
        List<Node> path = new ArrayList<>();
        Set<Node> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        Node cur = start;
        while (cur != null && seen.add(cur)) {
            path.add(cur);
            Node next = null;
            for (Value v : cur.inputs) {
                if (v.producer != null && stuck.contains(v.producer)) {
                    next = v.producer;
                    break;
                }
            }
            cur = next;
        }
        int from = cur == null ? 0 : path.indexOf(cur);
        List<Node> cycle = new ArrayList<>(path.subList(Math.max(0, from), path.size()));
        Collections.reverse(cycle);
        int first = 0;
        for (int i = 1; i < cycle.size(); i++) {
            if (cycle.get(i).label().compareTo(cycle.get(first).label()) < 0) {
                first = i;
            }
        }
        Collections.rotate(cycle, -first);
        StringBuilder sb = new StringBuilder("nodes ");
        for (Node x : cycle) {
            sb.append('\'').append(x.label()).append("' -> ");
        }
        sb.append('\'').append(cycle.get(0).label()).append('\'');
        return sb.toString();
    }

    /** Names used by values and nodes anywhere in the model this graph belongs to. */
    Set<String> usedNames() {
        Set<String> names = new HashSet<>();
        Deque<Graph> todo = new ArrayDeque<>();
        todo.add(root());
        while (!todo.isEmpty()) {
            Graph g = todo.poll();
            for (Value v : g.inputs) {
                names.add(v.name());
            }
            for (Value v : g.initializers.keySet()) {
                names.add(v.name());
            }
            for (Value v : g.sparseInitializers.keySet()) {
                names.add(v.name());
            }
            for (Node nd : g.nodeList()) {
                names.add(nd.name());
                for (Value v : nd.outputs) {
                    names.add(v.name());
                }
                todo.addAll(nd.subgraphs());
            }
        }
        return names;
    }

    @Override
    public String toString() {
        return "Graph(" + name + ", " + nodeList().size() + " nodes)";
    }

    /** Counts of node op types in this graph and its subgraphs, most frequent first. */
    public Map<String, Integer> opHistogram() {
        Map<String, Integer> counts = new HashMap<>();
        for (Node nd : allNodes()) {
            String key = nd.isStandard() ? nd.opType() : nd.domain() + "." + nd.opType();
            counts.merge(key, 1, Integer::sum);
        }
        List<Map.Entry<String, Integer>> entries = new ArrayList<>(counts.entrySet());
        entries.sort(Map.Entry.<String, Integer>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey()));
        Map<String, Integer> out = new LinkedHashMap<>();
        for (Map.Entry<String, Integer> e : entries) {
            out.put(e.getKey(), e.getValue());
        }
        return out;
    }
}
