package dev.onnxpress.passes.archfixture;

/** Breaks "a pass family uses no other family" (ArchitectureRulesBreakTest only). */
public class FamilyUsingAnotherFamily {
    public dev.onnxpress.passes.fold.ChannelAffine affine;
}
