package dev.onnxpress.passes.convert.external;

import dev.onnxpress.passes.Param;

/** Options of {@code externalize_data}. */
public record ExternalizeDataOptions(
        @Param(doc = "Tensors of at least this many bytes go to external data.", dflt = "1024", min = 0)
        long min_bytes,
        @Param(doc = "One data file beside the model (true) or one file per tensor (false).", dflt = "true")
        boolean single_file) {
}
