package dev.onnxpress.passes;

import dev.onnxpress.ir.Tensor;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;

/**
 * A pass context outside a recipe (tests, benchmarks, tools): every data set is the same given batches, without
 * labels, and progress goes nowhere. {@link #random()} starts afresh from {@code seed} on every call, so a pass
 * run twice on the same model draws the same numbers.
 */
public record FixedSamplesContext(List<Map<String, Tensor>> samples, long seed) implements PassContext {
    public FixedSamplesContext {
        samples = List.copyOf(samples);
    }

    @Override
    public List<Map<String, Tensor>> samples(DataRef data) {
        return samples;
    }

    @Override
    public Optional<int[]> labels(DataRef data) {
        return Optional.empty();
    }

    @Override
    public Random random() {
        return new Random(seed);
    }

    @Override
    public Progress progress() {
        return Progress.NONE;
    }
}
