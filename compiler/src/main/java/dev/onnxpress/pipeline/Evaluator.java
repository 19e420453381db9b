package dev.onnxpress.pipeline;

import dev.onnxpress.bind.DataDeclaration;
import dev.onnxpress.data.Batch;
import dev.onnxpress.data.DataSet;
import dev.onnxpress.data.DataSets;
import dev.onnxpress.data.ModelSignature;
import dev.onnxpress.error.UserException;
import dev.onnxpress.exec.ModelSession;
import dev.onnxpress.exec.OrtInference;
import dev.onnxpress.ir.Tensor;
import dev.onnxpress.ort.OrtRunner;
import dev.onnxpress.passes.PassContext;
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
    private int fedRows;
    /** Outputs this evaluator (and those derived from it) produced, for {@link #release}. */
    private final List<Outputs> made;

    private Evaluator(DataSet data, String where, String description, int batchSize) {
        this(data, where, description, batchSize, java.util.Collections.synchronizedList(new java.util.ArrayList<>()));
    }

    private Evaluator(DataSet data, String where, String description, int batchSize, List<Outputs> made) {
        this.made = made;
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

    /** Any data set, described as {@code description}. */
    static Evaluator of(DataSet set, String description, int batchSize) {
        return new Evaluator(set, set.name() + ": ", description, batchSize);
    }

    static Evaluator probes(int count, long seed, int batchSize, Map<String, Long> dims,
            dev.onnxpress.data.ProbeValues values) {
        DataSet set = DataSets.randomProbes(count, seed, dims, values);
        return new Evaluator(set, "random probe inputs: ", "random probes: " + count + " samples, seed " + seed,
                batchSize);
    }

    /** Samples in the evaluation data. */
    int sampleCount() {
        return data.size();
    }

    /**
     * The same seeded probes with image-like inputs normalised ({@link ProbeChoice}); {@code why} ends the
     * description, so the report says which normalisation the run verified on and why.
     */
    static Evaluator probes(int count, long seed, int batchSize, Map<String, Long> dims,
                            dev.onnxpress.data.ProbeValues values, ProbeChoice.Normalisation n, String why) {
        DataSet set = ProbeChoice.normalised(DataSets.randomProbes(count, seed, dims, values), n);
        return new Evaluator(set, "random probe inputs: ", "random probes: " + count + " samples, seed " + seed
                + ", image inputs as " + n.label + (why.isEmpty() ? "" : " (" + why + ")"), batchSize);
    }

    /** The same data and batching, described otherwise. */
    Evaluator describedAs(String text) {
        Evaluator e = new Evaluator(data, where, text, batchSize, made);
        e.cachedFor = cachedFor;
        e.cached = cached;
        e.fedRows = fedRows;
        return e;
    }

    String description() {
        return description;
    }

    /** The same data, run {@code size} samples at a time (a fixed batch dimension in the model still wins). */
    Evaluator atBatch(int size) {
        return size == batchSize ? this : new Evaluator(data, where, description, size, made);
    }

    /** The most rows one run of the last {@link #run} fed: the batch size its figures were measured at. */
    int fedRows() {
        return fedRows;
    }

    /** Rows of a batch's feeds: the first dimension of its first input (1 for a scalar input). */
    static int rows(Map<String, Tensor> feeds) {
        return feeds.values().stream().findFirst().map(t -> t.rank() == 0 ? 1 : (int) t.dim(0)).orElse(1);
    }

    int samples() {
        return data.size();
    }

    Optional<int[]> labels() {
        return data.labels();
    }

    /**
     * The input model's outputs. Random probes guess what the model accepts; when ONNX Runtime refuses them,
     * the message says the probes may be at fault and how to give real inputs instead.
     */
    Outputs runReference(OrtRunner runner, PassContext.Progress progress) {
        try {
            return run(runner, progress, "reference");
        } catch (UserException e) {
            if (data.hasReferenceOutputs() || !description.startsWith("random probes")) {
                throw e;
            }
            throw new UserException(where + "the model did not run on the random probes onnxpress built for it ("
                    + e.getMessage() + "); the probes, not the model, are likely at fault: they follow the declared"
                    + " shapes but cannot know every value the model accepts. Give real inputs instead:"
                    + " data NAME = onnx_test_data(dir=\"…\") or npy(path=\"…\"), then verify using NAME", e);
        }
    }

    Outputs run(OrtRunner runner, PassContext.Progress progress, String task) {
        return run(OrtInference.session(runner), progress, task);
    }

    /** The model's outputs over the evaluation data in any runtime (the session is not closed). */
    Outputs run(ModelSession runner, PassContext.Progress progress, String task) {
        ModelSignature sig = ModelSignature.of(runner);
        List<Batch> batches = batches(sig);
        Outputs.Builder outputs = new Outputs.Builder();
        progress.start(task, batches.size());
        fedRows = 0;
        try {
            for (int i = 0; i < batches.size(); i++) {
                if (Thread.currentThread().isInterrupted()) {
                    // a caller abandoned this run (tune at its time limit)
                    throw new java.util.concurrent.CancellationException("the run was cancelled");
                }
                Batch b = batch(batches, i);
                fedRows = Math.max(fedRows, rows(b.feeds()));
                // each batch's outputs go into the series at once: memory holds one batch, not the data set
                outputs.add(Outputs.Rows.of(b), runner.run(b.feeds()));
                progress.step(i + 1);
            }
        } finally {
            progress.finish();
        }
        Outputs result = outputs.build();
        made.add(result);
        return result;
    }

    /**
     * Removes the temporary files of every output this evaluator and its derived ones ({@link #atBatch},
     * {@link #describedAs}) produced, except {@code keep} (compared by identity).
     */
    void release(Outputs keep) {
        synchronized (made) {
            for (Outputs o : made) {
                if (o != keep) {
                    o.close();
                }
            }
            made.clear();
            if (keep != null) {
                made.add(keep);
            }
        }
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

    /** The first {@code count} samples (fewer when the data has fewer), one per feed, for latency. */
    List<Map<String, Tensor>> samples(ModelSignature sig, int count) {
        try {
            List<Batch> ones = data.batches(sig, 1);
            List<Map<String, Tensor>> out = new java.util.ArrayList<>();
            for (int i = 0; i < Math.min(count, ones.size()); i++) {
                out.add(ones.get(i).feeds());
            }
            return out;
        } catch (UserException e) {
            throw new UserException(where + e.getMessage(), e);
        }
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
