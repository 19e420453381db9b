package dev.onnxpress.pipeline.archfixture;

/** Breaks "the pipeline uses no pass family" (ArchitectureRulesBreakTest only). */
public class PipelineUsingAFamily {
    public dev.onnxpress.passes.fold.ChannelAffine affine;
}
