package dev.onnxpress.pipeline;

import dev.onnxpress.bind.DataDeclaration;
import dev.onnxpress.bind.Plan;
import dev.onnxpress.data.Batch;
import dev.onnxpress.data.DataSet;
import dev.onnxpress.data.ModelSignature;
import dev.onnxpress.error.UserException;
import dev.onnxpress.ir.Model;
import dev.onnxpress.ir.Tensor;
import dev.onnxpress.passes.DataRef;
import dev.onnxpress.passes.PassContext;
import java.util.AbstractList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;

/**
 * What one step's pass sees: the recipe's data sets cut into batches for the model as it was before the
 * step, a random seeded from the run's seed (the same for every step, so a step's result does not depend
 * on what ran before it), the progress display, and the run's input model as the reference.
 */
final class RecipeContext implements PassContext {
    private final Plan plan;
    private final ModelSignature signature;
    private final int batchSize;
    private final Random random;
    private final Progress progress;
    private final Model reference;
    private final Map<String, Long> dimSizes;
    private java.util.function.Supplier<List<Map<String, Tensor>>> verification = List::of;

    RecipeContext(Plan plan, ModelSignature signature, int batchSize, long seed, Progress progress, Model reference,
                  Map<String, Long> dimSizes) {
        this.dimSizes = Map.copyOf(dimSizes);
        this.plan = plan;
        this.signature = signature;
        this.batchSize = batchSize;
        this.random = new Random(seed);
        this.progress = progress;
        this.reference = reference;
    }

    @Override
    public List<Map<String, Tensor>> samples(DataRef data) {
        DataDeclaration d = declaration(data);
        List<Batch> batches = batches(d);
        return new AbstractList<>() {
            @Override
            public Map<String, Tensor> get(int index) {
                return batches.get(index).feeds();
            }

            @Override
            public int size() {
                return batches.size();
            }
        };
    }

    /** The run's verification batches, computed only when a pass asks for them. */
    RecipeContext withVerificationSamples(java.util.function.Supplier<List<Map<String, Tensor>>> samples) {
        this.verification = samples;
        return this;
    }

    @Override
    public List<Map<String, Tensor>> verificationSamples() {
        return verification.get();
    }

    @Override
    public Optional<int[]> labels(DataRef data) {
        return declaration(data).load().labels();
    }

    @Override
    public Random random() {
        return random;
    }

    @Override
    public Progress progress() {
        return progress;
    }

    @Override
    public Map<String, Long> dimSizes() {
        return dimSizes;
    }

    /** The runtimes the recipe verifies on besides ONNX Runtime ({@code verify … on …}, {@code --verify-on}). */
    @Override
    public List<String> deploymentRuntimes() {
        return plan.targets();
    }

    /** The run's input model (shared by every step; passes only read it). */
    @Override
    public Optional<Model> reference() {
        return Optional.of(reference);
    }

    private List<Batch> batches(DataDeclaration d) {
        DataSet set = d.load();
        try {
            return set.batches(signature, batchSize);
        } catch (UserException e) {
            throw new UserException(d.location() + ": " + e.getMessage(), e);
        }
    }

    private DataDeclaration declaration(DataRef data) {
        return plan.dataSet(data.name()).orElseThrow(() -> new UserException("unknown data set '" + data.name()
                + "'; the recipe declares " + plan.data().stream().map(DataDeclaration::name).toList()));
    }
}
