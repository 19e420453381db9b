package dev.onnxpress.testing;

import dev.onnxpress.ir.DataType;
import dev.onnxpress.ir.Graph;
import dev.onnxpress.ir.Model;
import dev.onnxpress.ir.Rewriter;
import dev.onnxpress.ir.Value;
import java.util.List;
import java.util.Map;

/** x → Relu → n Identity nodes in a row → y: the input of the linear-rewrite tests and benchmark. */
public final class IdentityChains {
    private IdentityChains() {
    }

    public static Model chain(int n) {
        GraphBuilder b = GraphBuilder.model("chain").input("x", DataType.FLOAT, 2)
                .node("Relu", List.of("x"), List.of("r"));
        Graph g = b.graph();
        Rewriter rw = b.rewriter();
        Value prev = b.value("r");
        for (int i = 0; i < n; i++) {
            prev = rw.add(g, "Identity", "Identity", List.of(prev), Map.of());
        }
        rw.rename(prev, "y");
        b.output("y", DataType.FLOAT, 2);
        return b.build();
    }
}
