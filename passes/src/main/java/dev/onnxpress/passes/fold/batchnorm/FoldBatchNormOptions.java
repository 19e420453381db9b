package dev.onnxpress.passes.fold.batchnorm;

import dev.onnxpress.passes.Param;

/** Options of {@code fold_batchnorm}. */
public record FoldBatchNormOptions(
        @Param(doc = "Also fold a BatchNormalization into the Conv it feeds, where that is exact.", dflt = "true")
        boolean into_next) {
}
