package dev.onnxpress.passes.convert.shapes;

import dev.onnxpress.passes.Param;
import java.util.List;

/** Options of {@code fix_shapes}. */
public record FixShapesOptions(
        @Param(doc = "Sizes for symbolic dimensions, as name=size (e.g. [\"batch=1\", \"height=480\"]); every"
                + " symbolic input dimension needs one. Empty: the run's sizes (--dims, random(dims=…)).", dflt = "[]")
        List<String> dims,
        @Param(doc = "Replace Shape/Size of now-static values by constants and fold what follows.", dflt = "true")
        boolean fold) {
    public FixShapesOptions {
        dims = List.copyOf(dims);
    }
}
