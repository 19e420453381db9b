package dev.onnxpress.ir.archfixture;

/** Breaks "runtime depends on no other module" (ArchitectureRulesBreakTest only). */
public class IrUsingAPass {
    public dev.onnxpress.passes.Pass<?> pass;
}
