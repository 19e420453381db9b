package dev.onnxpress.archfixture.mutation;

/** Stands in for an IR class with a public mutator (no IR class has one to call from outside). */
public class FakeGraph {
    public void addNode() {
    }

    public int nodeCount() {
        return 0;
    }
}
