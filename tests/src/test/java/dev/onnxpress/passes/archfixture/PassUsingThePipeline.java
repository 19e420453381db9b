package dev.onnxpress.passes.archfixture;

/** Breaks "passes depend on neither the recipe language nor the compiler" (ArchitectureRulesBreakTest only). */
public class PassUsingThePipeline {
    public dev.onnxpress.pipeline.PassManager manager;
}
