package dev.onnxpress.passes;

import dev.onnxpress.ir.Tensor;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * What a running pass may use besides the model: samples of the recipe's data sets (as model feeds,
 * in batches), a seeded random, and progress reporting. Passes that need activations run the model
 * through {@link dev.onnxpress.ort.OrtRunner} with taps.
 */
public interface PassContext {
    /** The batches of a data set, shaped for the model's inputs (input name → tensor). */
    List<Map<String, Tensor>> samples(DataRef data);

    /** Labels of a data set's samples, in batch order, when it has them. */
    java.util.Optional<int[]> labels(DataRef data);

    /** Seeded: the same recipe on the same model gives the same result. */
    Random random();

    Progress progress();

    /**
     * The model the pipeline started from (before its first step), for passes that fit layers to the
     * original outputs rather than the previous step's ({@code reference=input}); empty outside a recipe
     * run. Read it, never change it.
     */
    default java.util.Optional<dev.onnxpress.ir.Model> reference() {
        return java.util.Optional.empty();
    }

    /**
     * Sizes of symbolic input dimensions the run was given, by dim name (the command line's {@code --dims},
     * then the recipe's {@code random(dims=…)}); passes that need sizes and get none in their own options
     * use these. Empty outside a recipe run.
     */
    default Map<String, Long> dimSizes() {
        return Map.of();
    }

    /**
     * The deployment runtimes the run also verifies every step on ({@code verify … on opencv},
     * {@code --verify-on}), by name; passes that adapt a model to a runtime and are given none in their own
     * options use these. Empty outside a recipe run.
     */
    default List<String> deploymentRuntimes() {
        return List.of();
    }

    /**
     * The batches the run verifies every step on (the recipe's {@code verify using} data, else its seeded
     * probes), shaped for the model as it was before this step: for passes that measure the model without
     * a data set of their own (convert_fp16's value ranges). Empty outside a recipe run.
     */
    default List<Map<String, Tensor>> verificationSamples() {
        return List.of();
    }

    /** Progress of a long pass; a no-op when nobody watches. */
    interface Progress {
        void start(String task, long total);

        void step(long done);

        void finish();

        Progress NONE = new Progress() {
            @Override
            public void start(String task, long total) {
            }

            @Override
            public void step(long done) {
            }

            @Override
            public void finish() {
            }
        };
    }
}
