package dev.onnxpress.passes;

import dev.onnxpress.ir.Node;

/** Which nodes ("layers") a pass applies to; built by the compiler from recipe selectors. */
@FunctionalInterface
public interface NodeSelector {
    NodeSelector ALL = n -> true;

    boolean matches(Node node);

    default NodeSelector and(NodeSelector other) {
        return n -> matches(n) && other.matches(n);
    }

    default NodeSelector or(NodeSelector other) {
        return n -> matches(n) || other.matches(n);
    }

    default NodeSelector minus(NodeSelector other) {
        return n -> matches(n) && !other.matches(n);
    }

    static NodeSelector op(String opType) {
        return n -> n.opType().equals(opType);
    }
}
