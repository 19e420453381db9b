package dev.onnxpress.ort;

/** Told after each finished unit of work; {@code total} is -1 when not known in advance. */
@FunctionalInterface
public interface ProgressListener {
    ProgressListener NONE = (done, total) -> { };

    void progress(long done, long total);
}
