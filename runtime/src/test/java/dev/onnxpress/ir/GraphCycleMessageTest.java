package dev.onnxpress.ir;

import static org.assertj.core.api.Assertions.assertThat;

import dev.onnxpress.error.InvalidModelException;
import dev.onnxpress.testing.GraphBuilder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A cycle is reported the same way every time: the cycle is named starting at its smallest node name. */
class GraphCycleMessageTest {

    /** x → 'pre' → 'c' → 'a' → 'b' → back into 'c'; 'd' reads the cycle. */
    static String cycleMessage() {
        GraphBuilder b = GraphBuilder.model("g").input("x", DataType.FLOAT, 2);
        Graph g = b.graph();
        Rewriter rw = b.rewriter();
        Node pre = rw.addNode(g, "Relu", "", "pre", List.of(b.value("x")), 1, Map.of());
        Node c = rw.addNode(g, "Add", "", "c", List.of(pre.output(), pre.output()), 1, Map.of());
        Node a = rw.addNode(g, "Neg", "", "a", List.of(c.output()), 1, Map.of());
        Node bb = rw.addNode(g, "Neg", "", "b", List.of(a.output()), 1, Map.of());
        rw.addNode(g, "Neg", "", "d", List.of(bb.output()), 1, Map.of());
        rw.setInput(c, 1, bb.output());
        try {
            g.nodes();
        } catch (InvalidModelException e) {
            return e.getMessage();
        }
        throw new AssertionError("no cycle reported");
    }

    @Test
    void namesTheCycleFromItsSmallestNodeNameEveryTime() {
        List<String> messages = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            messages.add(cycleMessage());
        }
        assertThat(messages.get(0)).isEqualTo("graph 'g' has a cycle through nodes 'a' -> 'b' -> 'c' -> 'a'");
        assertThat(messages).containsOnly(messages.get(0));
    }
}
