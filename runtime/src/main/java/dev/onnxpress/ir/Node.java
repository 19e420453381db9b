package dev.onnxpress.ir;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** An operator application. Mutated only through a {@link Rewriter}. */
public final class Node {
    private String opType;
    private String domain;
    private String name;
    private String overload = "";
    private String docString = "";
    final List<Value> inputs = new ArrayList<>();
    final List<Value> outputs = new ArrayList<>();
    final LinkedHashMap<String, Attr> attrs = new LinkedHashMap<>();
    private final Map<String, String> metadata = new LinkedHashMap<>();
    Graph graph;
    byte[] unknownFields = new byte[0];
    /** Set when a {@link Rewriter} removed the node from its graph. */
    boolean removed;

    Node(String opType, String domain, String name) {
        this.opType = opType;
        this.domain = domain == null ? "" : domain;
        this.name = name == null ? "" : name;
    }

    public String opType() {
        return opType;
    }

    void setOpType(String opType) {
        this.opType = opType;
    }

    /** "" for the default ONNX domain ("ai.onnx" is normalised to ""). */
    public String domain() {
        return domain;
    }

    void setDomain(String domain) {
        this.domain = domain;
    }

    public boolean isStandard() {
        return domain.isEmpty() || domain.equals("ai.onnx");
    }

    /** Is this node the given op in the default domain? */
    public boolean is(String op) {
        return isStandard() && opType.equals(op);
    }

    public String name() {
        return name;
    }

    void setName(String name) {
        this.name = name;
    }

    /** The node's name, or a description when it has none: used in messages. */
    public String label() {
        return name.isEmpty() ? opType + " producing '" + (outputs.isEmpty() ? "?" : outputs.get(0).name()) + "'"
                : name;
    }

    public String overload() {
        return overload;
    }

    void setOverload(String o) {
        this.overload = o == null ? "" : o;
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

    Map<String, String> mutableMetadata() {
        return metadata;
    }

    /** True once the node was removed from its graph (a removed node stays removed). */
    public boolean isRemoved() {
        return removed;
    }

    public Graph graph() {
        return graph;
    }

    public List<Value> inputs() {
        return Collections.unmodifiableList(inputs);
    }

    public int inputCount() {
        return inputs.size();
    }

    /** Input i; {@link Value#none()} when omitted or past the end. */
    public Value input(int i) {
        return i < inputs.size() ? inputs.get(i) : Value.none();
    }

    public boolean hasInput(int i) {
        return i < inputs.size() && !inputs.get(i).isNone();
    }

    public List<Value> outputs() {
        return Collections.unmodifiableList(outputs);
    }

    public Value output(int i) {
        return i < outputs.size() ? outputs.get(i) : Value.none();
    }

    public Value output() {
        return outputs.get(0);
    }

    public Map<String, Attr> attrs() {
        return Collections.unmodifiableMap(attrs);
    }

    public Optional<Attr> attr(String attrName) {
        return Optional.ofNullable(attrs.get(attrName));
    }

    public long attrInt(String attrName, long dflt) {
        Attr a = attrs.get(attrName);
        return a == null ? dflt : a.i();
    }

    public float attrFloat(String attrName, float dflt) {
        Attr a = attrs.get(attrName);
        return a == null ? dflt : a.f();
    }

    public String attrString(String attrName, String dflt) {
        Attr a = attrs.get(attrName);
        return a == null ? dflt : a.s();
    }

    public Optional<long[]> attrInts(String attrName) {
        Attr a = attrs.get(attrName);
        return a == null ? Optional.empty() : Optional.of(a.ints());
    }

    public Optional<float[]> attrFloats(String attrName) {
        Attr a = attrs.get(attrName);
        return a == null ? Optional.empty() : Optional.of(a.floats());
    }

    /** Graphs held by this node's attributes (If branches, Loop and Scan bodies). */
    public List<Graph> subgraphs() {
        List<Graph> out = null;
        for (Attr a : attrs.values()) {
            if (a.kind() == Attr.Kind.GRAPH || a.kind() == Attr.Kind.GRAPHS) {
                if (out == null) {
                    out = new ArrayList<>();
                }
                out.addAll(a.subgraphs());
            }
        }
        // most nodes hold no graph: called for every node by graph walks, so no list is built for them
        return out == null ? List.of() : out;
    }

    @Override
    public String toString() {
        return (domain.isEmpty() ? "" : domain + ".") + opType + (name.isEmpty() ? "" : " '" + name + "'");
    }
}
