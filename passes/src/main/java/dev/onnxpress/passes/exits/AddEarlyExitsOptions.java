package dev.onnxpress.passes.exits;

import dev.onnxpress.passes.DataRef;
import dev.onnxpress.passes.NodeSelector;
import dev.onnxpress.passes.Param;
import dev.onnxpress.passes.PassOptions;
import java.util.List;
import java.util.Map;

/**
 * Options of {@code add_early_exits}. Exit points are either listed ({@code after}) or chosen
 * automatically: {@code after=[]} with {@code auto_count=N} picks N points by measured saving.
 */
public record AddEarlyExitsOptions(
        @Param(doc = "One exit per selected node (the exit reads that node's first output); empty with auto_count"
                + " > 0 chooses the points automatically.", dflt = "[]")
        List<NodeSelector> after,
        @Param(doc = "With after=[]: how many exit points to choose by measured cost (MACs before the point) and"
                + " separability (held-out head accuracy).", dflt = "0", min = 0)
        int auto_count,
        @Param(doc = "Data set the heads are fitted and the thresholds chosen on.")
        DataRef calibration,
        @Param(doc = "Exit head: linear (global average pooling → ridge-fitted linear classifier).",
                dflt = "linear")
        Head head,
        @Param(doc = "Largest accuracy loss allowed against the full model on calibration data, as a fraction"
                + " (0.5% = 0.005).", dflt = "0.005", min = 0, max = 1)
        double max_drop,
        @Param(doc = "Explicit entropy thresholds, one per exit in network order; empty chooses them from"
                + " calibration data.", dflt = "[]")
        List<Double> thresholds,
        @Param(doc = "batch: one gate for the whole batch, which exits only when every sample in it is confident"
                + " (deploy at batch size 1; the run verifies it there); per_sample: the model runs each sample of a"
                + " batch on its own (an ONNX Loop over the batch) so each exits by itself at any batch size.",
                dflt = "batch")
        Gating gating) {

    public AddEarlyExitsOptions {
        after = List.copyOf(after);
        thresholds = List.copyOf(thresholds);
    }

    /** Kind of side classifier. */
    public enum Head { linear }

    /** Whether the exit decision is taken for a whole batch or for each sample. */
    public enum Gating { batch, per_sample }

    /** Exits after the selected nodes; other options at their defaults. */
    public static AddEarlyExitsOptions of(List<NodeSelector> after, DataRef calibration, double maxDrop) {
        return PassOptions.of(AddEarlyExitsOptions.class, Map.of("after", after, "calibration", calibration,
                "max_drop", maxDrop));
    }

    /** {@code count} exit points chosen automatically; other options at their defaults. */
    public static AddEarlyExitsOptions auto(int count, DataRef calibration, double maxDrop) {
        return PassOptions.of(AddEarlyExitsOptions.class, Map.of("auto_count", count, "calibration", calibration,
                "max_drop", maxDrop));
    }

    public AddEarlyExitsOptions withThresholds(List<Double> t) {
        return PassOptions.with(this, "thresholds", t);
    }

    public AddEarlyExitsOptions withGating(Gating g) {
        return PassOptions.with(this, "gating", g);
    }
}
