package dev.onnxpress.passes.prune.channels;

import dev.onnxpress.ir.Tensor;
import dev.onnxpress.passes.DataRef;
import dev.onnxpress.passes.PassContext;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;

/** A pass context whose data sets are given batches (tests only). */
final class SampleContext implements PassContext {
    private final Map<String, List<Map<String, Tensor>>> data;
    private final Random random = new Random(7);

    SampleContext(Map<String, List<Map<String, Tensor>>> data) {
        this.data = data;
    }

    @Override
    public List<Map<String, Tensor>> samples(DataRef ref) {
        List<Map<String, Tensor>> b = data.get(ref.name());
        if (b == null) {
            throw new AssertionError("no data set '" + ref.name() + "' in this test");
        }
        return b;
    }

    @Override
    public Optional<int[]> labels(DataRef ref) {
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
