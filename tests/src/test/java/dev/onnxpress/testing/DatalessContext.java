package dev.onnxpress.testing;

import dev.onnxpress.ir.Tensor;
import dev.onnxpress.passes.DataRef;
import dev.onnxpress.passes.PassContext;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;

/**
 * A pass context for running passes that need no data set: asking for samples fails with {@code why}, there are
 * no labels, and one random seeded once serves the whole run.
 */
public final class DatalessContext implements PassContext {
    private final String why;
    private final Random random;

    public DatalessContext(String why, long seed) {
        this.why = why;
        this.random = new Random(seed);
    }

    @Override
    public List<Map<String, Tensor>> samples(DataRef data) {
        throw new IllegalStateException(why);
    }

    @Override
    public Optional<int[]> labels(DataRef data) {
        return Optional.empty();
    }

    @Override
    public Random random() {
        return random;
    }

    @Override
    public Progress progress() {
        return Progress.NONE;
    }
}
