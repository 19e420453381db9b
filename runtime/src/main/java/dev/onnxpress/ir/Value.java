package dev.onnxpress.ir;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A value in a graph: a graph input, an initializer, or a node output. Values have identity: two values
 * with the same name in different scopes are different values. The graph keeps each value's producer
 * and its uses (node inputs, including nodes inside subgraphs that read it from the outer scope).
 */
public final class Value {
    private static final Value NONE = new Value("", null);

    private String name;
    private ValueType type;
    private String docString = "";
    private final Map<String, String> metadata = new LinkedHashMap<>();
    Graph owner;
    Node producer;
    int producerIndex = -1;
    final List<Use> uses = new ArrayList<>();
    /** The value_info this value was read with, reused verbatim on write while its type is unchanged. */
    Object origin;
    ValueType typeAsRead;

    Value(String name, Graph owner) {
        this.name = name;
        this.owner = owner;
    }

    /** The placeholder for an omitted optional input or output (written as ""). */
    public static Value none() {
        return NONE;
    }

    public boolean isNone() {
        return this == NONE;
    }

    public String name() {
        return name;
    }

    void setName(String name) {
        this.name = name;
    }

    public Optional<ValueType> type() {
        return Optional.ofNullable(type);
    }

    /** The tensor type, when this value is declared as a tensor. */
    public Optional<ValueType.TensorType> tensorType() {
        return type().flatMap(ValueType::asTensor);
    }

    void setType(ValueType type) {
        this.type = type;
    }

    public String docString() {
        return docString;
    }

    void setDocString(String doc) {
        this.docString = doc == null ? "" : doc;
    }

    public Map<String, String> metadata() {
        return Collections.unmodifiableMap(metadata);
    }

    Map<String, String> mutableMetadata() {
        return metadata;
    }

    /** The graph the value is defined in. */
    public Graph graph() {
        return owner;
    }

    public Optional<Node> producer() {
        return Optional.ofNullable(producer);
    }

    /** Which output of its producer this value is; -1 for inputs and initializers. */
    public int producerIndex() {
        return producerIndex;
    }

    /** Node inputs reading this value, in no particular order. */
    public List<Use> uses() {
        return Collections.unmodifiableList(uses);
    }

    /** Distinct nodes reading this value. */
    public List<Node> consumers() {
        List<Node> out = new ArrayList<>();
        for (Use u : uses) {
            if (!out.contains(u.node())) {
                out.add(u.node());
            }
        }
        return out;
    }

    public boolean isGraphInput() {
        return owner != null && owner.inputsList().contains(this);
    }

    public boolean isGraphOutput() {
        return owner != null && owner.outputsList().contains(this);
    }

    public boolean isInitializer() {
        return owner != null && owner.initializerMap().containsKey(this);
    }

    @Override
    public String toString() {
        return isNone() ? "<none>" : "%" + name;
    }

    /** One input slot of a node that reads a value. */
    public record Use(Node node, int inputIndex) {
    }
}
