package dev.onnxpress.dsl.archfixture;

/** Breaks "the recipe language stands alone" (ArchitectureRulesBreakTest only). */
public class DslUsingTheIr {
    public dev.onnxpress.ir.Model model;
}
