package dev.onnxpress.passes.convert.fp16;

import dev.onnxpress.passes.DataRef;
import dev.onnxpress.passes.Param;
import java.util.List;
import java.util.Optional;

/** Options of {@code convert_fp16}. */
public record ConvertFp16Options(
        @Param(doc = "Keep float32 graph inputs and outputs, with Casts at the boundary.", dflt = "true")
        boolean keep_io_types,
        @Param(doc = "Op types kept in float32 behind Casts (in addition to ops ONNX Runtime CPU has no float16"
                + " kernel for); [\"*\"] keeps every op in float32, so only the large constants are stored as"
                + " float16 (file size only: ORT folds their Casts at load and computes as before).", dflt = "[]")
        List<String> block,
        @Param(doc = "Non-zero constants smaller in magnitude than this become ±min_abs, so an epsilon never"
                + " turns into zero (0 keeps plain float16 rounding).", dflt = "5.96e-8", min = 0)
        double min_abs,
        @Param(doc = "Keep ops without a float16 kernel in ONNX Runtime CPU in float32 (false: convert them"
                + " anyway, for runtimes with float16 kernels).", dflt = "true")
        boolean check_kernels,
        @Param(doc = "Constants of at least this many elements read only by float32 ops are still stored as"
                + " float16 behind one Cast (the file halves; ORT folds the Cast at load); smaller ones stay"
                + " float32.", dflt = "1024", min = 1)
        long min_cast_elements,
        @Param(doc = "Measure the value every node computes (on range_data, else the run's verification data or"
                + " probes) and keep in float32 the nodes whose inputs or outputs would overflow float16 (beyond"
                + " half of 65504, for headroom) or lose more than max_precision_loss; false converts every node.",
                dflt = "true")
        boolean range_check,
        @Param(doc = "Data set the value ranges are measured on (default: the run's verification data).")
        Optional<DataRef> range_data,
        @Param(doc = "Largest relative float16 rounding error ‖fp16(x) − x‖ / ‖x‖ a node's values may take before"
                + " the node stays float32 (values in float16's normal range lose at most 4.9e-4).",
                dflt = "0.01", min = 0, max = 1)
        double max_precision_loss) {
    public ConvertFp16Options {
        block = List.copyOf(block);
    }
}
