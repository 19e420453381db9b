package dev.onnxpress.archfixture.mutation;

/** Reads FakeGraph without changing it: within the rule. */
public class Reader {
    public int run(FakeGraph g) {
        return g.nodeCount();
    }
}
