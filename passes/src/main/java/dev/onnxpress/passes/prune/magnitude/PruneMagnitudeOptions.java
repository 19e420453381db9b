package dev.onnxpress.passes.prune.magnitude;

import dev.onnxpress.passes.core.FitReference;
import dev.onnxpress.passes.DataRef;
import dev.onnxpress.passes.NodeSelector;
import dev.onnxpress.passes.Param;
import java.util.Optional;

/** Options of {@code prune_magnitude}. */
public record PruneMagnitudeOptions(
        @Param(doc = "Fraction of the selected weights set to zero.", dflt = "0.5", min = 0, max = 1)
        double sparsity,
        @Param(doc = "Layers (Conv, ConvTranspose, Gemm, MatMul with a constant float weight) to prune.", dflt = "all")
        NodeSelector layers,
        @Param(doc = "layer: every layer loses the same fraction; global: one |w| threshold over all layers.",
                dflt = "layer")
        Scope scope,
        @Param(doc = "Score of a weight: magnitude |w|, or activation |w|·‖x‖ (input energy on the calibration "
                + "data, as in Wanda), or obs (SparseGPT-style: least OBS saliency w²/[H⁻¹]_jj with "
                + "sequential error compensation across columns); activation and obs need compensate=true.",
                dflt = "magnitude")
        Criterion criterion,
        @Param(doc = "Refit each layer's surviving weights by least squares so its outputs match the dense model.",
                dflt = "false")
        boolean compensate,
        @Param(doc = "With compensate=true, also refit the layer's bias (Gemm with alpha=beta=1, or Conv, with a "
                + "constant per-output bias): survivors are fitted on mean-centred features and the bias absorbs "
                + "the shift of the outputs' mean.", dflt = "false")
        boolean refit_bias,
        @Param(doc = "Outputs the compensation fits: previous (the model as this step finds it) or input (the "
                + "pipeline's input model, so the errors of earlier steps are compensated rather than inherited).",
                dflt = "previous")
        FitReference.Source reference,
        @Param(doc = "Weigh each output's error by how strongly the next layers read it (the sum of their squared "
                + "weights on it, OBS-style) when ranking weights across the layer's outputs.", dflt = "false")
        boolean weigh_outputs,
        @Param(doc = "Data set whose activations drive compensation.")
        Optional<DataRef> calibration,
        @Param(doc = "Ridge λ relative to the mean input energy, for compensation.", dflt = "0.001", min = 0, max = 10)
        double ridge,
        @Param(doc = "Compensate only layers with at most this many inputs per output (cost grows as its cube).",
                dflt = "2304", min = 1, max = 16384)
        int max_features,
        @Param(doc = "Input rows (samples, or sampled conv patches) used per layer for compensation.",
                dflt = "16384", min = 16, max = 1000000)
        int max_rows) {
    public enum Scope { layer, global }

    public enum Criterion { magnitude, activation, obs }
}
