package dev.onnxpress.passes.prune.channels;

import dev.onnxpress.ir.Node;
import dev.onnxpress.passes.DataRef;
import dev.onnxpress.passes.NodeSelector;
import dev.onnxpress.passes.Param;
import dev.onnxpress.passes.PassOptions;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Options of {@code prune_channels}. */
public record PruneChannelsOptions(
        @Param(doc = "How channels are ranked: bn_gamma (|γ| of the following BatchNormalization, network slimming),"
                + " l1 or l2 (filter norm), activation (mean |activation| on calibration data), reconstruction"
                + " (ThiNet: greedily remove the channels that least change the next layer's output on calibration"
                + " data).", dflt = "l1")
        Criterion criterion,
        @Param(doc = "Fraction of the selected channels to remove.", dflt = "0.3", min = 0, max = 0.99)
        double ratio,
        @Param(doc = "Layers whose output channels may be pruned; selecting one member of a dependency group"
                + " (residual Add, Mul) prunes the whole group.", dflt = "all")
        NodeSelector layers,
        @Param(doc = "Never keep fewer channels than this in a layer.", dflt = "1", min = 1)
        int min_channels,
        @Param(doc = "Round kept channel counts up to a multiple of this (8 or 16 suit real kernels).",
                dflt = "1", min = 1)
        int round_to,
        @Param(doc = "global: one score threshold across the selected layers; layer: the ratio in each layer.",
                dflt = "global")
        Scope scope,
        @Param(doc = "Refit the consuming layers by ridge least squares on calibration data (ThiNet-style).",
                dflt = "false")
        boolean compensate,
        @Param(doc = "Ridge strength of the compensate=true refit: fixed (1e-3 of the mean input energy) or"
                + " held_out (the best of 8 strengths, 1e-6 to 10, on a held-out fifth of the calibration rows).",
                dflt = "fixed")
        RefitRidge refit_ridge,
        @Param(doc = "Data set for criterion=activation, criterion=reconstruction and compensate=true.")
        Optional<DataRef> calibration,
        @Param(doc = "Per-layer ratios, e.g. from `onnxpress sensitivity`: layers matching ratio_layers[i]"
                + " lose ratios[i] of their own channels (first match wins); other layers follow ratio and"
                + " scope.", dflt = "[]")
        List<NodeSelector> ratio_layers,
        @Param(doc = "Ratios paired one to one with ratio_layers.", dflt = "[]", min = 0, max = 0.99)
        List<Double> ratios) {

    public PruneChannelsOptions {
        // the declared ranges hold for records built in code too (the binder checks recipe values first)
        PassOptions.check(PruneChannelsOptions.class, "ratio", ratio);
        PassOptions.check(PruneChannelsOptions.class, "ratios", ratios);
        ratio_layers = List.copyOf(ratio_layers);
        ratios = List.copyOf(ratios);
        if (ratio_layers.size() != ratios.size()) {
            throw new IllegalArgumentException("ratio_layers has " + ratio_layers.size() + " entries but ratios has "
                    + ratios.size() + "; give one ratio per selector");
        }
    }

    /** The per-layer ratio for a group whose producers include a node matched by a ratio_layers entry. */
    public Optional<Double> ratioFor(List<Node> producers) {
        for (int i = 0; i < ratio_layers.size(); i++) {
            NodeSelector s = ratio_layers.get(i);
            if (producers.stream().anyMatch(s::matches)) {
                return Optional.of(ratios.get(i));
            }
        }
        return Optional.empty();
    }

    /** Channel ranking. */
    public enum Criterion { bn_gamma, l1, l2, activation, reconstruction }

    /** How the refit's ridge strength is set. */
    public enum RefitRidge { fixed, held_out }

    /** Where the ratio applies. */
    public enum Scope { global, layer }

    /** Defaults with the given criterion and ratio, for programmatic use. */
    public static PruneChannelsOptions of(Criterion criterion, double ratio) {
        return PassOptions.of(PruneChannelsOptions.class, Map.of("criterion", criterion, "ratio", ratio));
    }

    /** Per-layer ratios: nodes matching {@code layers.get(i)} lose {@code ratios.get(i)} of their channels. */
    public PruneChannelsOptions withLayerRatios(List<NodeSelector> layers, List<Double> ratios) {
        return PassOptions.with(this, Map.of("ratio_layers", layers, "ratios", ratios));
    }

    public PruneChannelsOptions withRatio(double r) {
        return PassOptions.with(this, "ratio", r);
    }

    public PruneChannelsOptions withLayers(NodeSelector s) {
        return PassOptions.with(this, "layers", s);
    }

    public PruneChannelsOptions withScope(Scope s) {
        return PassOptions.with(this, "scope", s);
    }

    public PruneChannelsOptions withRounding(int minChannels, int roundTo) {
        return PassOptions.with(this, Map.of("min_channels", minChannels, "round_to", roundTo));
    }

    public PruneChannelsOptions withCompensation(DataRef data) {
        return PassOptions.with(this, Map.of("compensate", true, "calibration", Optional.of(data)));
    }

    public PruneChannelsOptions withRefitRidge(RefitRidge r) {
        return PassOptions.with(this, "refit_ridge", r);
    }

    public PruneChannelsOptions withCalibration(DataRef data) {
        return PassOptions.with(this, "calibration", Optional.of(data));
    }
}
