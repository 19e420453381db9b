package dev.onnxpress.passes.rewrite;

import dev.onnxpress.ir.Graph;
import dev.onnxpress.ir.Node;
import dev.onnxpress.ir.Rewriter;
import dev.onnxpress.ir.Value;
import dev.onnxpress.ir.ValueType;
import java.util.Optional;

/**
 * Makes the readers of a node's output {@code out} read the node's input {@code in} instead, for nodes
 * that pass a value through unchanged (Identity, inference-mode Dropout).
 *
 * <p>Graph output names are part of the model's interface and never change. When {@code out} is an
 * output of its graph, {@code in} takes over its name, which is only possible when {@code in} is an
 * ordinary node output of the same graph: not a graph input or initializer (their names are interface
 * or may be fed), not another graph output, not an outer-scope value. Otherwise the node stays.
 */
public final class Bypass {
    private Bypass() {
    }

    /** Why {@code out} cannot be replaced by {@code in}, or empty when it can. */
    public static Optional<String> obstacle(Node node, Value in, Value out) {
        if (in.isNone()) {
            return Optional.of("its input is omitted");
        }
        Graph g = node.graph();
        if (!out.isGraphOutput()) {
            return Optional.empty();
        }
        String prefix = "its output '" + out.name() + "' is a graph output and its input '" + in.name() + "' ";
        if (in.graph() != g) {
            return Optional.of(prefix + "comes from an enclosing graph");
        }
        if (in.isGraphInput()) {
            return Optional.of(prefix + "is a graph input: both names are part of the interface");
        }
        if (in.isInitializer() || in.producer().isEmpty()) {
            return Optional.of(prefix + "is an initializer");
        }
        if (in.isGraphOutput()) {
            return Optional.of(prefix + "is a graph output too: both names are part of the interface");
        }
        return Optional.empty();
    }

    /**
     * Redirects every reader of {@code out} to {@code in} and, when {@code out} is a graph output, gives
     * {@code in} its name and declared type. The node itself stays (its output no longer read): callers
     * remove it. Call only when {@link #obstacle} is empty.
     */
    public static void apply(Node node, Value in, Value out, Rewriter rw) {
        boolean output = out.isGraphOutput();
        String name = out.name();
        Optional<ValueType> type = out.type();
        rw.replaceAllUses(out, in);
        if (output) {
            // the old value is detached once the caller removes the node, so the name is free for in
            rw.rename(in, name);
            if (type.isPresent()) {
                rw.clearType(in);
                rw.setType(in, type.get());
            }
        }
    }
}
