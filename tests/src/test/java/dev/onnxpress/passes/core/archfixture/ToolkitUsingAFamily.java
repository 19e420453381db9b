package dev.onnxpress.passes.core.archfixture;

/** Breaks "the toolkit uses no pass family" (ArchitectureRulesBreakTest only). */
public class ToolkitUsingAFamily {
    public dev.onnxpress.passes.fold.ChannelAffine affine;
}
