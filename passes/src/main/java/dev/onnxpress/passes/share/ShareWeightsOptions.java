package dev.onnxpress.passes.share;

import dev.onnxpress.passes.DataRef;
import dev.onnxpress.passes.NodeSelector;
import dev.onnxpress.passes.Param;
import dev.onnxpress.passes.core.FitReference;
import java.util.Optional;

/** Options of {@code share_weights}. */
public record ShareWeightsOptions(
        @Param(doc = "Index width: 2^bits shared values per layer (a sparse layer's exact zero is one of them).",
                dflt = "5", min = 1, max = 8)
        int bits,
        @Param(doc = "Shared values per layer instead of 2^bits (0: use bits).", dflt = "0", min = 0, max = 256)
        int clusters,
        @Param(doc = "Layers (Conv, ConvTranspose, Gemm, MatMul with a constant float weight) to share.", dflt = "all")
        NodeSelector layers,
        @Param(doc = "Centroid initialization: linear over [min, max] (Deep Compression's choice), density "
                + "(quantiles) or random (seeded sample of the weights).", dflt = "linear")
        Init init,
        @Param(doc = "Lloyd iterations at most (stops earlier when assignments settle).", dflt = "50", min = 1,
                max = 1000)
        int iterations,
        @Param(doc = "Re-solve the centroids by least squares on the layer's outputs over calibration data.",
                dflt = "false")
        boolean refit,
        @Param(doc = "How weights pick a shared value: nearest (k-means assignment) or compensated (GPTQ-style: "
                + "one input at a time, each rounding error pushed onto the not-yet-assigned weights of the row "
                + "through the inverse Hessian of the layer's inputs on calibration data; zeros stay zero).",
                dflt = "nearest")
        Assign assign,
        @Param(doc = "Refit each layer's bias (Gemm with alpha=beta=1, or Conv, with a constant per-output bias) "
                + "so it absorbs the shift of the outputs' mean; needs calibration.", dflt = "false")
        boolean refit_bias,
        @Param(doc = "Outputs refit, compensated assignment and bias refit aim at: previous (the model as this "
                + "step finds it) or input (the pipeline's input model, so the errors of earlier steps such as "
                + "pruning are compensated too).", dflt = "previous")
        FitReference.Source reference,
        @Param(doc = "Data set for refit, compensated assignment and bias refit.")
        Optional<DataRef> calibration,
        @Param(doc = "Ridge λ (relative) pulling refitted centroids toward the k-means ones.", dflt = "0.001",
                min = 0, max = 10)
        double ridge,
        @Param(doc = "Refit only layers with at most this many inputs per output.", dflt = "2304", min = 1,
                max = 16384)
        int max_features,
        @Param(doc = "Input rows (samples, or sampled conv patches) used per layer for refit.", dflt = "16384",
                min = 16, max = 1000000)
        int max_rows) {

    public enum Init { linear, density, random }

    public enum Assign { nearest, compensated }

    /** True when some option needs the layers' inputs on calibration data. */
    public boolean needsData() {
        return refit || refit_bias || assign == Assign.compensated;
    }

    public int clusterCount() {
        return clusters > 0 ? clusters : 1 << bits;
    }
}
