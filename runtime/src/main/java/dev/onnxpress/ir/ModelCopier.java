package dev.onnxpress.ir;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/** Deep copies of the graph structure; tensors are immutable and shared. */
final class ModelCopier {
    private final Map<Value, Value> values = new IdentityHashMap<>();

    private ModelCopier() {
    }

    static Model copy(Model m) {
        ModelCopier c = new ModelCopier();
        Model out = new Model(c.copyGraph(m.graph, null));
        out.irVersion = m.irVersion;
        out.opsets.putAll(m.opsets);
        out.opsetDomainAbsent.addAll(m.opsetDomainAbsent);
        out.producerName = m.producerName;
        out.producerVersion = m.producerVersion;
        out.domain = m.domain;
        out.modelVersion = m.modelVersion;
        out.docString = m.docString;
        out.metadata.putAll(m.metadata);
        out.functions.addAll(m.functions);
        out.trainingInfo.addAll(m.trainingInfo);
        out.unknownFields = m.unknownFields;
        out.hasIrVersion = m.hasIrVersion;
        out.hasModelVersion = m.hasModelVersion;
        out.folder = m.folder;
        out.sourceFiles = m.sourceFiles;
        out.writeOptions = m.writeOptions;
        out.spill = m.spill;
        return out;
    }

    private Graph copyGraph(Graph g, Graph parent) {
        Graph out = new Graph(g.name(), parent);
        out.setDocString(g.docString());
        out.metadata.putAll(g.metadata);
        out.quantizationAnnotations.addAll(g.quantizationAnnotations);
        out.unknownFields = g.unknownFields;
        for (Value v : g.inputs) {
            out.inputs.add(value(v, out));
        }
        // an initializer listed as a graph input is one value: copy it once
        for (Map.Entry<Value, Tensor> e : g.initializers.entrySet()) {
            out.initializers.put(values.containsKey(e.getKey()) ? values.get(e.getKey()) : value(e.getKey(), out),
                    e.getValue());
        }
        for (Map.Entry<Value, byte[]> e : g.sparseInitializers.entrySet()) {
            out.sparseInitializers.put(values.containsKey(e.getKey()) ? values.get(e.getKey())
                    : value(e.getKey(), out), e.getValue());
        }
        for (Node n : g.nodeList()) {
            Node c = new Node(n.opType(), n.domain(), n.name());
            c.setOverload(n.overload());
            c.setDocString(n.docString());
            c.mutableMetadata().putAll(n.metadata());
            c.unknownFields = n.unknownFields;
            c.graph = out;
            for (int i = 0; i < n.outputs.size(); i++) {
                Value o = n.outputs.get(i);
                Value co = o.isNone() ? o : value(o, out);
                if (!co.isNone()) {
                    co.producer = c;
                    co.producerIndex = i;
                }
                c.outputs.add(co);
            }
            out.nodeList().add(c);
        }
        // inputs after all outputs exist (a subgraph may read a value produced later in file order)
        for (int k = 0; k < g.nodeList().size(); k++) {
            Node n = g.nodeList().get(k);
            Node c = out.nodeList().get(k);
            for (int i = 0; i < n.inputs.size(); i++) {
                Value in = n.inputs.get(i);
                Value ci = in.isNone() ? in : mapped(in);
                c.inputs.add(ci);
                if (!ci.isNone()) {
                    ci.uses.add(new Value.Use(c, i));
                }
            }
            for (Map.Entry<String, Attr> e : n.attrs.entrySet()) {
                c.attrs.put(e.getKey(), copyAttr(e.getValue(), out, c));
            }
        }
        for (Value v : g.outputs) {
            out.outputs.add(mapped(v));
        }
        for (Value v : g.valueInfo) {
            Value c = values.get(v);
            if (c != null) {
                out.valueInfo.add(c);
            }
        }
        out.needsSort = g.needsSort;
        return out;
    }

    private Attr copyAttr(Attr a, Graph owner, Node node) {
        switch (a.kind()) {
            case GRAPH: {
                Graph sub = copyGraph(a.g(), owner);
                sub.ownerNode = node;
                return new Attr(a.kind(), sub, a.refAttrName(), a.docString());
            }
            case GRAPHS: {
                List<Graph> subs = new ArrayList<>();
                for (Graph s : a.graphs()) {
                    Graph sub = copyGraph(s, owner);
                    sub.ownerNode = node;
                    subs.add(sub);
                }
                return new Attr(a.kind(), List.copyOf(subs), a.refAttrName(), a.docString());
            }
            default:
                return a;
        }
    }

    private Value value(Value v, Graph owner) {
        Value c = new Value(v.name(), owner);
        c.setType(v.type().orElse(null));
        c.setDocString(v.docString());
        c.mutableMetadata().putAll(v.metadata());
        c.origin = v.origin;
        c.typeAsRead = v.type().orElse(null) == v.typeAsRead ? c.type().orElse(null) : null;
        values.put(v, c);
        return c;
    }

    private Value mapped(Value v) {
        Value c = values.get(v);
        if (c == null) {
            throw new IllegalStateException("value " + v.name() + " is read before any scope defines it");
        }
        return c;
    }
}
