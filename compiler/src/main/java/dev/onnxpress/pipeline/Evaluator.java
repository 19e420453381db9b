package dev.onnxpress.pipeline;

import dev.onnxpress.bind.DataDeclaration;
import dev.onnxpress.data.Batch;
import dev.onnxpress.data.DataSet;
import dev.onnxpress.data.DataSets;
import dev.onnxpress.data.ModelSignature;
import dev.onnxpress.error.UserException;
import dev.onnxpress.ir.Tensor;
import dev.onnxpress.ort.OrtRunner;
import dev.onnxpress.passes.PassContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The evaluation data of a run (the recipe's {@code verify using DATA}, or seeded random probes) and
 * how to run a model over it. Batches are cut for the model's signature, again whenever a step changes
 * the model's inputs (an fp16 input, a fixed batch size).
 */
final class Evaluator {
    private final DataSet data;
    private final String where;
    private final String description;
    private final int batchSize;
    private ModelSignature cachedFor;
    private List<Batch> cached;

    private Evaluator(DataSet data, String where, String description, int batchSize) {
        this.data = data;
        this.where = where;
        this.description = description;
        this.batchSize = batchSize;
    }

    static Evaluator declared(DataDeclaration d, int batchSize) {
        DataSet set = d.load();
        String desc = d.name() + ": " + d.kind() + ", " + set.size() + " samples"
                + (set.labels().isPresent() ? ", labelled" : "");
        return new Evaluator(set, d.location() + ": ", desc, batchSize);
    }

    static Evaluator probes(int count, long seed, int batchSize, Map<String, Long> dims) {
        DataSet set = DataSets.randomProbes(count, seed, dims);
        return new Evaluator(set, "random probe inputs: ", "random probes: " + count + " samples, seed " + seed,
                batchSize);
    }

    /**
     * The same seeded probes with image-like inputs normalised ({@link ProbeChoice}); {@code why} ends the
     * description, so the report says which normalisation the run verified on and why.
     */
    static Evaluator probes(int count, long seed, int batchSize, Map<String, Long> dims,
                            ProbeChoice.Normalisation n, String why) {
        DataSet set = ProbeChoice.normalised(DataSets.randomProbes(count, seed, dims), n);
        return new Evaluator(set, "random probe inputs: ", "random probes: " + count + " samples, seed " + seed
                + ", image inputs as " + n.label + (why.isEmpty() ? "" : " (" + why + ")"), batchSize);
    }

    /** The same data and batching, described otherwise. */
    Evaluator describedAs(String text) {
        Evaluator e = new Evaluator(data, where, text, batchSize);
        e.cachedFor = cachedFor;
        e.cached = cached;
        return e;
    }

    String description() {
        return description;
    }

    Optional<int[]> labels() {
        return data.labels();
    }

    Outputs run(OrtRunner runner, PassContext.Progress progress, String task) {
        ModelSignature sig = ModelSignature.of(runner);
        List<Batch> batches = batches(sig);
        List<Map<String, Tensor>> results = new ArrayList<>();
        List<Outputs.Rows> rows = new ArrayList<>();
        progress.start(task, batches.size());
        try {
            for (int i = 0; i < batches.size(); i++) {
                Batch b = batch(batches, i);
                results.add(runner.run(b.feeds()));
                rows.add(Outputs.Rows.of(b));
                progress.step(i + 1);
            }
        } finally {
            progress.finish();
        }
        return Outputs.of(rows, results);
    }

    /** The evaluation batches as model feeds, cut for {@code sig} (read one at a time, as they are used). */
    List<Map<String, Tensor>> feeds(ModelSignature sig) {
        List<Batch> batches = batches(sig);
        return new java.util.AbstractList<>() {
            @Override
            public Map<String, Tensor> get(int index) {
                return batch(batches, index).feeds();
            }

            @Override
            public int size() {
                return batches.size();
            }
        };
    }

    /** One sample, for latency. */
    Map<String, Tensor> oneSample(ModelSignature sig) {
        try {
            return data.batches(sig, 1).get(0).feeds();
        } catch (UserException e) {
            throw new UserException(where + e.getMessage(), e);
        }
    }

    private List<Batch> batches(ModelSignature sig) {
        if (!sig.equals(cachedFor)) {
            try {
                cached = data.batches(sig, batchSize);
            } catch (UserException e) {
                throw new UserException(where + e.getMessage(), e);
            }
            cachedFor = sig;
        }
        return cached;
    }

    private Batch batch(List<Batch> batches, int i) {
        try {
            return batches.get(i);
        } catch (UserException e) {
            throw new UserException(where + e.getMessage(), e);
        }
    }
}
