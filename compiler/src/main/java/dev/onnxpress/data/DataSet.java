package dev.onnxpress.data;

import java.util.List;
import java.util.Optional;

/**
 * Evaluation or calibration data declared by a recipe ({@code data NAME = kind(args)}), loaded and
 * checked, ready to be cut into feeds for a model.
 *
 * <p>{@link #batches} adapts the data to the model: sample shapes are reshaped to what the input wants
 * (IDX {@code [N,28,28]} → {@code [N,1,28,28]} or {@code [N,784]}), channel-last images are transposed
 * to channel-first, values are converted to the input's element type, and a fixed batch dimension in the
 * model decides the batch size. Data and model that do not fit raise one {@code UserException} line
 * naming the data set and the input. The returned list is lazy: a batch's tensors are built when it is
 * read, so a large data set never sits in memory as model-ready floats all at once.
 */
public interface DataSet {

    /** The name the recipe gave it. */
    String name();

    /** Number of samples. */
    int size();

    /** One label per sample, when the data set has labels. */
    Optional<int[]> labels();

    /** True when batches carry reference outputs. */
    boolean hasReferenceOutputs();

    /** Batches for the model's first input (other inputs, if any, must be fed by the data set itself). */
    default List<Batch> batches(ModelSignature model, int batchSize) {
        return batches(model, model.inputs().isEmpty() ? "" : model.inputs().get(0).name(), batchSize);
    }

    /**
     * Batches for the named model input. {@code batchSize} applies when the model's batch dimension is
     * not fixed; a fixed one wins.
     */
    List<Batch> batches(ModelSignature model, String inputName, int batchSize);
}
