package dev.onnxpress.archfixture.mutation;

/** Breaks "only the IR changes the graph" when FakeGraph counts as IR (ArchitectureRulesBreakTest only). */
public class Mutator {
    public void run(FakeGraph g) {
        g.addNode();
    }
}
