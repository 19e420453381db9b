package dev.onnxpress.pipeline;

import dev.onnxpress.error.UserException;
import dev.onnxpress.ir.Model;
import dev.onnxpress.ir.ModelWriter;
import dev.onnxpress.ort.OrtRunner;
import dev.onnxpress.runtime.OnnxpressRuntime;
import java.nio.file.Path;
import java.util.Optional;

/**
 * A model version as ONNX Runtime loads it: serialized once, then every session of that version (verification,
 * latency, target runtimes) opens from the same bytes. A model whose inline serialization would reach
 * {@link #pathModeBytes()} (see {@link #DEFAULT_PATH_MODE_BYTES}) is instead written with external data to a
 * private temporary folder ({@link TempDirs}) and opened by path; {@link #close()} removes that folder.
 *
 * <p>The threshold is the system property {@value #PATH_MODE_PROPERTY} (bytes), 64 MB by default; tests
 * lower it to exercise the path mode on small models.
 */
final class RunnableModel implements AutoCloseable {
    static final String PATH_MODE_PROPERTY = "onnxpress.pathModeBytes";
    /**
     * OrtRunner's {@link OrtRunner#FILE_THRESHOLD} (64 MB): from this size a session from a Java byte array peaks at
     * about three times the model in native memory (OrtRunner opens such bytes through a temporary file anyway),
     * and holding the bytes of every version on the heap is what a large model cannot afford; protobuf refuses
     * one message over 2 GB.
     */
    static final long DEFAULT_PATH_MODE_BYTES = OrtRunner.FILE_THRESHOLD;
    /** Largest model handed to a deployment runtime as one serialized message. */
    private static final long MAX_MESSAGE_BYTES = (2L << 30) - (64L << 20);
    /** Models written in path mode since start-up (tests check the path was taken). */
    static final java.util.concurrent.atomic.AtomicLong WRITTEN = new java.util.concurrent.atomic.AtomicLong();

    private final byte[] bytes;
    /** The model of a path-mode version, serialized only if a deployment runtime asks for bytes. */
    private final Model model;
    private final Path file;
    private final Path dir;
    private final long size;

    private RunnableModel(byte[] bytes, Model model, Path file, Path dir, long size) {
        this.bytes = bytes;
        this.model = model;
        this.file = file;
        this.dir = dir;
        this.size = size;
    }

    /** Inline size from which a model is handed to ONNX Runtime as a file. */
    static long pathModeBytes() {
        return Math.max(0, Long.getLong(PATH_MODE_PROPERTY, DEFAULT_PATH_MODE_BYTES));
    }

    /**
     * {@code model} made runnable: serialized bytes (packed tensors decoded, as the onnxpress runtime does), or,
     * at {@link #pathModeBytes()} and above, a temporary file with external data.
     */
    static RunnableModel of(Model model) {
        if (ModelWriter.estimateInlineBytes(model) < pathModeBytes()) {
            byte[] b = ModelWriter.toBytes(model);
            return new RunnableModel(OnnxpressRuntime.isPacked(model) ? OnnxpressRuntime.toPlainOnnx(b) : b, null,
                    null, null, b.length);
        }
        Path dir = TempDirs.create("model");
        try {
            ModelWriter.Written w = ModelWriter.write(model, dir.resolve("model.onnx"),
                    ModelWriter.Options.external(1024, true));
            WRITTEN.incrementAndGet();
            return new RunnableModel(null, model, w.model(), dir, w.totalBytes());
        } catch (RuntimeException e) {
            TempDirs.delete(dir);
            throw e;
        }
    }

    /** A model already serialized as plain ONNX bytes (tensors inline). */
    static RunnableModel ofBytes(byte[] plainOnnx) {
        return new RunnableModel(plainOnnx, null, null, null, plainOnnx.length);
    }

    /**
     * The input model as read from {@code file}: like {@link #of}, except that a model in path mode that is still
     * exactly what the file holds ({@code asRead}: no weight unlisted, no packed tensor to decode) is opened from
     * the file itself rather than copied; its size is then the model file's plus its external data files'.
     */
    static RunnableModel input(Model model, Path file, boolean asRead) {
        if (!asRead || OnnxpressRuntime.isPacked(model) || ModelWriter.estimateInlineBytes(model) < pathModeBytes()) {
            return of(model);
        }
        java.util.Set<Path> files = new java.util.LinkedHashSet<>();
        files.add(file);
        for (dev.onnxpress.ir.Graph g : model.graph().allGraphs()) {
            g.initializers().values().forEach(t -> t.externalLocation().ifPresent(l -> files.add(l.file())));
        }
        long size = 0;
        for (Path f : files) {
            try {
                size += java.nio.file.Files.size(f);
            } catch (java.io.IOException e) {
                throw new UserException("cannot read " + f + ": " + e.getMessage(), e);
            }
        }
        return new RunnableModel(null, model, file, null, size);
    }

    /** Whether ONNX Runtime loads this model from a file (path mode) rather than from bytes. */
    boolean byPath() {
        return file != null;
    }

    /** The size figure of this version: the serialized bytes, or the files written in path mode. */
    long size() {
        return size;
    }

    /** The model file ONNX Runtime loads, in path mode. */
    Optional<Path> file() {
        return Optional.ofNullable(file);
    }

    /** A session over this model. */
    OrtRunner open(OrtRunner.Options options) {
        if (!byPath()) {
            return OrtRunner.open(bytes, options);
        }
        // the model in memory tells whether the file holds packed tensors: reading the file back to find out
        // would put the whole model on the heap once more for every session opened
        return model != null && !OnnxpressRuntime.isPacked(model) ? OrtRunner.open(file, options)
                : OnnxpressRuntime.open(file, options);
    }

    /**
     * The serialized model for runtimes that load bytes only (the deployment targets): a path-mode version is
     * serialized when first asked (and not kept); one over protobuf's 2 GB limit cannot be handed to them.
     */
    byte[] bytes() {
        if (bytes != null) {
            return bytes;
        }
        if (model == null || ModelWriter.estimateInlineBytes(model) >= MAX_MESSAGE_BYTES) {
            throw new UserException("the model is " + size + " bytes, too large to hand to a deployment runtime as"
                    + " one in-memory file (protobuf's 2 GB limit); verify it on ONNX Runtime only");
        }
        byte[] b = ModelWriter.toBytes(model);
        return OnnxpressRuntime.isPacked(model) ? OnnxpressRuntime.toPlainOnnx(b) : b;
    }

    @Override
    public void close() {
        if (dir != null) {
            TempDirs.delete(dir);
        }
    }
}
