package dev.onnxpress.passes;

import dev.onnxpress.ir.Tensor;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;

/** A pass context for tests of passes that need no data set: asking for samples fails the test. */
public final class NoDataContext implements PassContext {
    private final Random random;

    public NoDataContext(long seed) {
        this.random = new Random(seed);
    }

    public NoDataContext() {
        this(1);
    }

    @Override
    public List<Map<String, Tensor>> samples(DataRef data) {
        throw new AssertionError("this test gives no data sets, but the pass asked for '" + data.name() + "'");
    }

    @Override
    public Optional<int[]> labels(DataRef data) {
        throw new AssertionError("this test gives no data sets, but the pass asked for '" + data.name() + "'");
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
