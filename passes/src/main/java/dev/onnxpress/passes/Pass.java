package dev.onnxpress.passes;

import dev.onnxpress.ir.Model;
import java.util.List;

/**
 * One transformation of a model. A pass declares what it is with {@link PassSpec} on its class, and its
 * options as a record whose components carry {@link Param} annotations (named in {@code implements
 * Pass<…Options>}); the compiler binds recipe arguments to that record before anything runs.
 * A pass changes the model only through a {@link dev.onnxpress.ir.Rewriter}, never prints, uses only
 * the context's seeded random, and records a {@link PassResult.Skip} wherever it declines.
 */
public interface Pass<O extends Record> {
    /** Id, summary, traits and statistics: by default from the class's {@link PassSpec}. */
    default PassInfo info() {
        return PassSpecs.info(getClass());
    }

    /** The options record: by default the type argument of {@code implements Pass<…>}. */
    @SuppressWarnings("unchecked")
    default Class<O> optionsType() {
        return (Class<O>) PassSpecs.optionsType(getClass());
    }

    PassResult run(Model model, O options, PassContext ctx);

    /**
     * True when, with these options, the output's results for a sample depend on the batch it runs in; by
     * default when the pass has {@link PassInfo.Trait#BATCH_DEPENDENT}. A pass whose options can avoid it
     * (per-sample gating) says so here.
     */
    default boolean batchDependent(O options) {
        return info().has(PassInfo.Trait.BATCH_DEPENDENT);
    }

    /** Ordering constraints the binder checks before anything runs (e.g. "must run before fold_batchnorm"). */
    default List<Placement> placement(O options) {
        return List.of();
    }
}
