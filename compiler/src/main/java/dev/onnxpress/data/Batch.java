package dev.onnxpress.data;

import dev.onnxpress.ir.Tensor;
import java.util.Map;
import java.util.Optional;

/**
 * One model run's worth of data: the feeds (one tensor per model input), which samples they hold, and
 * what is known about the answers.
 *
 * @param feeds            input name → tensor, already shaped and typed for the model
 * @param first            index of the batch's first sample in the data set
 * @param count            real samples in this batch; a model with a fixed batch size gets its last
 *                         batch padded with copies of the last sample, whose outputs are to be ignored
 * @param labels           the {@code count} samples' labels, when the data set has labels
 * @param referenceOutputs output name → expected tensor, when the data set carries them (ONNX test data)
 */
public record Batch(Map<String, Tensor> feeds, int first, int count, Optional<int[]> labels,
                    Map<String, Tensor> referenceOutputs) {
    public Batch {
        feeds = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(feeds));
        referenceOutputs = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(referenceOutputs));
    }
}
