package dev.onnxpress.tune;

import java.util.Optional;

/**
 * What one evaluated recipe measured on the data it was run on: the file size, MACs, batch-1 latency and
 * the output quality against the original model (accuracy with labels; cosine; top-1 agreement). A failed
 * candidate carries its error and no figures.
 *
 * @param macs      -1 when not countable
 * @param accuracy  NaN without labels
 * @param top1      NaN when the output is not a classifier's
 * @param seconds   wall time of the evaluation
 */
public record Measurement(long bytes, long macs, double latencyMs, double accuracy, double cosine, double top1,
                          double seconds, Optional<String> error) {

    public static Measurement failed(String error, double seconds) {
        return new Measurement(-1, -1, Double.NaN, Double.NaN, Double.NaN, Double.NaN, seconds, Optional.of(error));
    }

    public boolean ok() {
        return error.isEmpty();
    }
}
