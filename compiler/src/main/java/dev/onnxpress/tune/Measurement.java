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
 * @param discordance share of samples where exactly one of the original and this model is right (NaN without
 *                  labels, or when not known, as in a cache written before it was recorded): the spread of the
 *                  paired accuracy difference, from which {@link Acceptance} takes its standard error
 */
public record Measurement(long bytes, long macs, double latencyMs, double accuracy, double cosine, double top1,
                          double seconds, Optional<String> error, double discordance) {

    public Measurement(long bytes, long macs, double latencyMs, double accuracy, double cosine, double top1,
                       double seconds, Optional<String> error) {
        this(bytes, macs, latencyMs, accuracy, cosine, top1, seconds, error, Double.NaN);
    }

    public static Measurement failed(String error, double seconds) {
        return new Measurement(-1, -1, Double.NaN, Double.NaN, Double.NaN, Double.NaN, seconds, Optional.of(error));
    }

    public boolean ok() {
        return error.isEmpty();
    }
}
