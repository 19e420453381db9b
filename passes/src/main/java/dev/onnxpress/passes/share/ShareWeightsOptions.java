package dev.onnxpress.passes.share;

import dev.onnxpress.passes.DataRef;
import dev.onnxpress.passes.NodeSelector;
import dev.onnxpress.passes.Param;
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
        @Param(doc = "Data set for refit.")
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

    public int clusterCount() {
        return clusters > 0 ? clusters : 1 << bits;
    }
}
