package dev.onnxpress.passes.convert.compatible;

import dev.onnxpress.passes.Param;
import java.util.List;
import java.util.Optional;

/** Options of {@code make_compatible}. */
public record MakeCompatibleOptions(
        @Param(doc = "The runtime to make the model loadable and correct in: opencv, ort (nothing to do) or"
                + " ort_mobile (the .ort format of mobile/minimal builds). Absent: the runtime the recipe verifies"
                + " on (verify … on opencv, --verify-on), when it names exactly one.")
        Optional<TargetRuntime> runtime,
        @Param(doc = "Sizes of symbolic input dims (\"name=N\") for a runtime that needs static shapes. Empty:"
                + " the run's sizes (--dims, random(dims=…)).", dflt = "[]")
        List<String> dims) {
    public MakeCompatibleOptions {
        dims = List.copyOf(dims);
    }
}
