package dev.onnxpress.bind;

import dev.onnxpress.ir.Graph;
import dev.onnxpress.ir.Model;
import dev.onnxpress.ir.Node;
import dev.onnxpress.ir.Rewriter;
import dev.onnxpress.ir.Tensor;
import dev.onnxpress.ir.Value;
import dev.onnxpress.passes.DataRef;
import dev.onnxpress.passes.NodeSelector;
import dev.onnxpress.passes.Param;
import dev.onnxpress.passes.Pass;
import dev.onnxpress.passes.PassContext;
import dev.onnxpress.passes.PassInfo;
import dev.onnxpress.passes.PassInfo.Trait;
import dev.onnxpress.passes.PassResult;
import dev.onnxpress.passes.Placement;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * Test-only passes: stand-ins with the parameters the design recipes use (they change nothing), and a
 * few real ones for pipeline tests (a lossy weight perturbation, a semantics-preserving rename).
 */
public final class TestPasses {
    private TestPasses() {
    }

    /** Changes nothing; exists so that recipes using its parameters can be bound. */
    public record Stub<O extends Record>(PassInfo info, Class<O> optionsType, Function<O, List<Placement>> rules)
            implements Pass<O> {
        public static <O extends Record> Stub<O> of(String id, Class<O> options, Trait... traits) {
            return new Stub<>(new PassInfo(id, "test stand-in for " + id, Set.of(traits), List.of()), options,
                    o -> List.of());
        }

        @Override
        public PassResult run(Model model, O options, PassContext ctx) {
            return PassResult.builder().build(false);
        }

        @Override
        public List<Placement> placement(O options) {
            return rules.apply(options);
        }
    }

    public record None() {
    }

    public enum Criterion { BN_GAMMA, L1, L2 }

    public enum Method { MINMAX, PERCENTILE, ENTROPY }

    public record PruneMagnitude(
            @Param(doc = "fraction of weights set to zero", min = 0, max = 1) double sparsity,
            @Param(doc = "layers", dflt = "all") NodeSelector layers,
            @Param(doc = "refit", dflt = "false") boolean compensate,
            @Param(doc = "calibration data") Optional<DataRef> calibration) {
    }

    public record ShareWeights(
            @Param(doc = "bits per index", min = 1, max = 8) int bits,
            @Param(doc = "layers", dflt = "all") NodeSelector layers) {
    }

    public record PruneChannels(
            @Param(doc = "ranking", dflt = "l1") Criterion criterion,
            @Param(doc = "fraction removed", dflt = "0.3", min = 0, max = 0.99) double ratio,
            @Param(doc = "layers", dflt = "all") NodeSelector layers,
            @Param(doc = "floor", dflt = "1", min = 1) int min_channels,
            @Param(doc = "refit", dflt = "false") boolean compensate,
            @Param(doc = "calibration data") Optional<DataRef> calibration) {
    }

    public record AddEarlyExits(
            @Param(doc = "where exits branch off") List<NodeSelector> after,
            @Param(doc = "calibration data") DataRef calibration,
            @Param(doc = "accuracy budget", dflt = "1%", min = 0, max = 1) double max_drop) {
    }

    public record QuantizeInt8(
            @Param(doc = "calibration data") DataRef calibration,
            @Param(doc = "range estimation", dflt = "minmax") Method method,
            @Param(doc = "per output channel scales", dflt = "true") boolean per_channel) {
    }

    public record ConvertFp16(@Param(doc = "keep float inputs and outputs", dflt = "false") boolean keep_io_types) {
    }

    public record ConvertOpset(@Param(doc = "opset version", min = 7, max = 21) int target) {
    }

    public record ExternalizeData(@Param(doc = "smallest tensor moved out", dflt = "1024", min = 0) long min_bytes) {
    }

    /** The passes the three recipes of RECIPES.md use, with their parameters. */
    public static List<Pass<?>> designStandIns() {
        return List.of(
                Stub.of("strip_training_nodes", None.class, Trait.PRESERVES_SEMANTICS),
                Stub.of("prune_magnitude", PruneMagnitude.class, Trait.LOSSY),
                Stub.of("share_weights", ShareWeights.class, Trait.LOSSY),
                Stub.of("pack_huffman", None.class, Trait.PRESERVES_SEMANTICS),
                new Stub<>(new PassInfo("prune_channels", "stand-in", Set.of(Trait.LOSSY), List.of()),
                        PruneChannels.class, o -> o.criterion() == Criterion.BN_GAMMA
                        ? List.of(Placement.before("fold_batchnorm", "bn_gamma ranks channels by BatchNormalization"
                                + " scales, which fold_batchnorm removes", "move prune_channels before fold_batchnorm"))
                        : List.of()),
                Stub.of("fold_batchnorm", None.class, Trait.PRESERVES_SEMANTICS),
                Stub.of("add_early_exits", AddEarlyExits.class, Trait.LOSSY),
                Stub.of("quantize_int8", QuantizeInt8.class, Trait.LOSSY),
                Stub.of("remove_dead_nodes", None.class, Trait.PRESERVES_SEMANTICS),
                Stub.of("remove_identity", None.class, Trait.PRESERVES_SEMANTICS),
                Stub.of("fold_constants", None.class, Trait.PRESERVES_SEMANTICS),
                Stub.of("convert_fp16", ConvertFp16.class, Trait.LOSSY),
                Stub.of("convert_opset", ConvertOpset.class, Trait.PRESERVES_SEMANTICS),
                Stub.of("externalize_data", ExternalizeData.class, Trait.PRESERVES_SEMANTICS));
    }

    // ---------------------------------------------------------------- real test passes

    public record Perturb(
            @Param(doc = "noise amplitude relative to the weight's largest magnitude", min = 0) double amount,
            @Param(doc = "which initializers (glob on name); default: the largest float one") Optional<String> name) {
    }

    /**
     * Adds seeded uniform noise of {@code amount · max|w|} to a float initializer: lossy in a controlled
     * way (amount 0 changes the tensor object but not its values).
     */
    public static final class PerturbWeightsPass implements Pass<Perturb> {
        @Override
        public PassInfo info() {
            return new PassInfo("perturb_weights", "adds seeded noise to one weight tensor", Set.of(Trait.LOSSY),
                    List.of("values_changed"));
        }

        @Override
        public Class<Perturb> optionsType() {
            return Perturb.class;
        }

        @Override
        public PassResult run(Model model, Perturb o, PassContext ctx) {
            Graph g = model.graph();
            Value target = null;
            for (Map.Entry<Value, Tensor> e : g.initializers().entrySet()) {
                Tensor t = e.getValue();
                if (t.dataType() != dev.onnxpress.ir.DataType.FLOAT) {
                    continue;
                }
                boolean named = o.name().map(n -> dev.onnxpress.dsl.Glob.matches(n, e.getKey().name())).orElse(true);
                if (named && (target == null || t.elementCount() > g.initializer(target).orElseThrow().elementCount())) {
                    target = e.getKey();
                }
            }
            if (target == null) {
                return PassResult.builder().skip("model", "no float initializer").build(false);
            }
            Tensor t = g.initializer(target).orElseThrow();
            float[] v = t.toFloatArray();
            float max = 0;
            for (float x : v) {
                max = Math.max(max, Math.abs(x));
            }
            for (int i = 0; i < v.length; i++) {
                v[i] += (float) ((ctx.random().nextDouble() * 2 - 1) * o.amount() * max);
            }
            new Rewriter(model).setInitializer(target, Tensor.ofFloats(t.dims(), v));
            return PassResult.builder().stat("values_changed", v.length).build(true);
        }
    }

    public record Rename(@Param(doc = "prefix for node names", dflt = "\"n_\"") String prefix) {
    }

    /** Renames every node: the model changes, its function does not. */
    public static final class RenameNodesPass implements Pass<Rename> {
        @Override
        public PassInfo info() {
            return new PassInfo("rename_nodes", "prefixes node names", Set.of(Trait.PRESERVES_SEMANTICS,
                    Trait.IDEMPOTENT), List.of("nodes_renamed"));
        }

        @Override
        public Class<Rename> optionsType() {
            return Rename.class;
        }

        @Override
        public PassResult run(Model model, Rename o, PassContext ctx) {
            Rewriter rw = new Rewriter(model);
            long n = 0;
            for (Node node : model.graph().nodes()) {
                if (!node.name().startsWith(o.prefix())) {
                    rw.setName(node, o.prefix() + node.name());
                    n++;
                }
            }
            return PassResult.builder().stat("nodes_renamed", n).build(n > 0);
        }
    }

    /** Points the first node's first input at a value nothing produces: an invalid graph. */
    public record Breaker() {
    }

    public static final class BreakGraphPass implements Pass<Breaker> {
        @Override
        public PassInfo info() {
            return new PassInfo("break_graph", "reads a value nothing produces", Set.of(Trait.LOSSY), List.of());
        }

        @Override
        public Class<Breaker> optionsType() {
            return Breaker.class;
        }

        @Override
        public PassResult run(Model model, Breaker o, PassContext ctx) {
            Node first = model.graph().nodes().get(0);
            Rewriter rw = new Rewriter(model);
            rw.setInput(first, 0, rw.newDetachedValue(model.graph(), "nowhere"));
            return PassResult.builder().build(true);
        }
    }

    public record Count(@Param(doc = "data set to read") DataRef source) {
    }

    /** Reads a data set through the context and reports what it saw; changes nothing. */
    public static final class CountSamplesPass implements Pass<Count> {
        @Override
        public PassInfo info() {
            return new PassInfo("count_samples", "counts the batches of a data set", Set.of(Trait.NEEDS_DATA),
                    List.of("batches", "samples", "labels", "first_random"));
        }

        @Override
        public Class<Count> optionsType() {
            return Count.class;
        }

        @Override
        public PassResult run(Model model, Count o, PassContext ctx) {
            var batches = ctx.samples(o.source());
            long samples = 0;
            ctx.progress().start("counting", batches.size());
            for (int i = 0; i < batches.size(); i++) {
                Map<String, Tensor> feeds = batches.get(i);
                samples += feeds.values().iterator().next().dim(0);
                ctx.progress().step(i + 1);
            }
            ctx.progress().finish();
            return PassResult.builder().stat("batches", batches.size()).stat("samples", samples)
                    .stat("labels", ctx.labels(o.source()).map(l -> l.length).orElse(-1))
                    .stat("first_random", ctx.random().nextInt(1000)).build(false);
        }
    }

    public record BatchOffset() {
    }

    /**
     * Adds (batch size − 1) to the first output: exact at batch 1, off everywhere else. A stand-in for a
     * batch-wide gate, whose results depend on the batch they run in.
     */
    public static final class BatchOffsetPass implements Pass<BatchOffset> {
        @Override
        public PassInfo info() {
            return new PassInfo("batch_offset", "adds the batch size minus one to the output",
                    Set.of(Trait.LOSSY, Trait.BATCH_DEPENDENT), List.of());
        }

        @Override
        public Class<BatchOffset> optionsType() {
            return BatchOffset.class;
        }

        @Override
        public PassResult run(Model model, BatchOffset o, PassContext ctx) {
            Graph g = model.graph();
            Rewriter rw = new Rewriter(model);
            Value x = g.realInputs().get(0);
            Value y = g.outputs().get(0);
            Value shape = rw.add(g, "Shape", "batch_shape", List.of(x), Map.of());
            Value zero = rw.addInitializer(g, "batch_axis", Tensor.ofLongs(new long[0], 0));
            Value n = rw.add(g, "Gather", "batch_n", List.of(shape, zero), Map.of());
            Value nf = rw.add(g, "Cast", "batch_nf", List.of(n),
                    Map.of("to", dev.onnxpress.ir.Attr.of((long) dev.onnxpress.ir.DataType.FLOAT.code())));
            Value one = rw.addInitializer(g, "batch_one", Tensor.ofFloats(new long[0], 1f));
            Value off = rw.add(g, "Sub", "batch_off", List.of(nf, one), Map.of());
            Value shifted = rw.add(g, "Add", "batch_shifted", List.of(y, off), Map.of());
            String name = y.name();
            rw.setGraphOutput(g, 0, shifted);
            rw.rename(y, rw.uniqueName(name + "_unshifted"));
            rw.rename(shifted, name);
            y.type().ifPresent(t -> rw.setType(shifted, t));
            return PassResult.builder().build(true);
        }
    }

    public static List<Pass<?>> pipelinePasses() {
        List<Pass<?>> all = new java.util.ArrayList<>(designStandIns());
        all.add(new PerturbWeightsPass());
        all.add(new RenameNodesPass());
        all.add(new BreakGraphPass());
        all.add(new CountSamplesPass());
        all.add(new BatchOffsetPass());
        return List.copyOf(all);
    }
}
