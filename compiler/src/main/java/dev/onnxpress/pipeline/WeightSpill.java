package dev.onnxpress.pipeline;

import dev.onnxpress.ir.Model;
import dev.onnxpress.ir.ModelWriter;
import dev.onnxpress.ir.TensorSpill;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The scratch file a run's large model parks the weights its passes write in ({@link TensorSpill}), so that a
 * changed version of a multi-GB model does not sit on the Java heap: unchanged weights stay in the input's files,
 * changed ones go to a private temporary folder ({@link TempDirs}), and each version handed to ONNX Runtime and
 * the output are copied file to file. Used from {@value #PROPERTY} bytes of inline size; by default from a quarter
 * of the heap limit, at most 1 GB (smaller models keep their weights on the heap: same values, same output bytes).
 */
public final class WeightSpill implements AutoCloseable {
    static final String PROPERTY = "onnxpress.weightSpillBytes";
    /** Tensors smaller than this stay on the heap (biases, scales, shapes). */
    static final long MIN_TENSOR_BYTES = 64 << 10;

    private final Path dir;
    private final TensorSpill spill;

    private WeightSpill(Path dir, TensorSpill spill) {
        this.dir = dir;
        this.spill = spill;
    }

    /** Inline model size from which new weights are parked in a scratch file. */
    static long thresholdBytes() {
        long dflt = Math.min(1L << 30, Runtime.getRuntime().maxMemory() / 4);
        return Math.max(0, Long.getLong(PROPERTY, dflt));
    }

    /** A scratch file attached to {@code model} (and so to its copies) when the model is large enough, else none. */
    static Optional<WeightSpill> attach(Model model) {
        if (ModelWriter.estimateInlineBytes(model) < thresholdBytes()) {
            return Optional.empty();
        }
        Path dir = TempDirs.create("weights");
        try {
            TensorSpill s = TensorSpill.create(dir.resolve("weights.bin"), MIN_TENSOR_BYTES);
            model.spillTo(s);
            return Optional.of(new WeightSpill(dir, s));
        } catch (RuntimeException e) {
            TempDirs.delete(dir);
            throw e;
        }
    }

    /** Bytes the run's passes wrote to the scratch file. */
    public long bytesStored() {
        return spill.bytesStored();
    }

    /** Closes and removes the scratch file: every model version of the run must be done with it. */
    @Override
    public void close() {
        spill.close();
        TempDirs.delete(dir);
    }
}
