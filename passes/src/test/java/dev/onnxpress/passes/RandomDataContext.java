package dev.onnxpress.passes;

import dev.onnxpress.ir.Model;
import dev.onnxpress.ir.Tensor;
import dev.onnxpress.testing.OrtEquivalence;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;

/**
 * A pass context whose every data set is a few batches of seeded random inputs for the model (no labels):
 * enough for a pass that needs activations to run, not to judge its accuracy.
 */
public final class RandomDataContext implements PassContext {
    private final Model model;
    private final int batches;
    private final Random random = new Random(7);
    private List<Map<String, Tensor>> samples;

    public RandomDataContext(Model model, int batches) {
        this.model = model;
        this.batches = batches;
    }

    @Override
    public List<Map<String, Tensor>> samples(DataRef data) {
        // the same batches (the same objects) every time, so a test can check a pass left them alone
        if (samples == null) {
            List<Map<String, Tensor>> out = new ArrayList<>();
            for (int i = 0; i < batches; i++) {
                out.add(OrtEquivalence.randomFeeds(model, 100 + i, Map.of()));
            }
            samples = List.copyOf(out);
        }
        return samples;
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
