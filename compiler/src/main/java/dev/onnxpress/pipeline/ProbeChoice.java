package dev.onnxpress.pipeline;

import dev.onnxpress.report.ReportFormat;
import dev.onnxpress.data.Batch;
import dev.onnxpress.data.DataSet;
import dev.onnxpress.data.ModelSignature;
import dev.onnxpress.ir.Tensor;
import dev.onnxpress.ort.IoInfo;
import java.util.AbstractList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Random probes that exercise the model. Probes are uniform in [0, 1); a model trained on normalised
 * images may answer such inputs with ~1e-7 everywhere (a text detector's probability map), and then every
 * comparison passes whatever a step did. When the reference outputs on the [0, 1) probes are flat
 * ({@link FlatOutputs}) and the model has image-like inputs (float, rank 4, 1 or 3 channels first or last),
 * the same probes are also fed normalised as [−1, 1] and as ImageNet mean/std; the normalisation whose
 * outputs vary most (summed variance of every output's finite values) is the run's, and the data
 * description says which. Probes that exercise the model already are left as they are.
 */
final class ProbeChoice {
    /** How a probe value u in [0, 1) is fed to an image input. */
    enum Normalisation {
        UNIT("[0, 1]"), SIGNED("[-1, 1]"), IMAGENET("ImageNet mean/std");

        private static final double[] MEAN = {0.485, 0.456, 0.406};
        private static final double[] STD = {0.229, 0.224, 0.225};

        final String label;

        Normalisation(String label) {
            this.label = label;
        }

        double apply(double u, int channel, int channels) {
            return switch (this) {
                case UNIT -> u;
                case SIGNED -> 2 * u - 1;
                case IMAGENET -> channels == 3 ? (u - MEAN[channel]) / STD[channel] : (u - 0.449) / 0.226;
            };
        }
    }

    private ProbeChoice() {
    }

    /** The probes a run verifies on and the reference outputs on them. */
    record Chosen(Evaluator evaluator, Outputs reference) {
    }

    /**
     * Keeps the [0, 1) probes unless they leave the outputs flat on a model with image inputs; then tries
     * the other normalisations ({@code probes} makes their evaluators) and keeps the one whose outputs vary
     * most, saying so in the data description.
     */
    static Chosen choose(dev.onnxpress.ort.OrtRunner runner, ModelSignature signature, Evaluator evaluator,
                         Outputs reference, dev.onnxpress.passes.PassContext.Progress progress,
                         java.util.function.Function<Normalisation, Evaluator> probes) {
        if (FlatOutputs.warnings(reference, "").isEmpty() || !hasImageInputs(signature)) {
            return new Chosen(evaluator, reference);
        }
        double best = variance(reference);
        Evaluator bestEvaluator = evaluator;
        Outputs bestReference = reference;
        StringBuilder tried = new StringBuilder(Normalisation.UNIT.label + " " + ReportFormat.significant(best));
        for (Normalisation n : List.of(Normalisation.SIGNED, Normalisation.IMAGENET)) {
            Evaluator e = probes.apply(n);
            Outputs o = e.run(runner, progress, "probes as " + n.label);
            double v = variance(o);
            tried.append(", ").append(n.label).append(' ').append(ReportFormat.significant(v));
            if (v > best) {
                best = v;
                bestEvaluator = e;
                bestReference = o;
            }
        }
        String d = bestEvaluator.description();
        String description = bestEvaluator == evaluator
                ? d + "; [0, 1] probes kept (output variance " + tried + ")"
                : d + " (most output variance: " + tried + ")";
        return new Chosen(bestEvaluator.describedAs(description), bestReference);
    }

    /** The channel axis of an image-like input (1 for NCHW, 3 for NHWC), or -1. */
    static int channelAxis(IoInfo in) {
        if (!in.type().isFloatingPoint() || in.rank() != 4) {
            return -1;
        }
        long[] s = in.shape();
        if (s[1] == 3 || s[1] == 1) {
            return 1;
        }
        return s[3] == 3 || s[3] == 1 ? 3 : -1;
    }

    static boolean hasImageInputs(ModelSignature sig) {
        return sig.inputs().stream().anyMatch(i -> channelAxis(i) >= 0);
    }

    /** Sum over outputs of the variance of their finite values: how much the model's answers move. */
    static double variance(Outputs outputs) {
        double total = 0;
        for (FloatSeries v : outputs.series().values()) {
            double sum = v.sumFinite;
            double sq = v.sumSquaresFinite;
            long n = v.finite;
            if (n > 1) {
                double mean = sum / n;
                total += Math.max(0, sq / n - mean * mean);
            }
        }
        return total;
    }

    /** {@code base} with every image-like input's float values normalised. */
    static DataSet normalised(DataSet base, Normalisation n) {
        if (n == Normalisation.UNIT) {
            return base;
        }
        return new DataSet() {
            @Override
            public String name() {
                return base.name();
            }

            @Override
            public int size() {
                return base.size();
            }

            @Override
            public Optional<int[]> labels() {
                return base.labels();
            }

            @Override
            public boolean hasReferenceOutputs() {
                return false;
            }

            @Override
            public List<Batch> batches(ModelSignature model, String inputName, int batchSize) {
                List<Batch> batches = base.batches(model, inputName, batchSize);
                return new AbstractList<>() {
                    @Override
                    public Batch get(int index) {
                        Batch b = batches.get(index);
                        Map<String, Tensor> feeds = new LinkedHashMap<>(b.feeds());
                        for (IoInfo in : model.inputs()) {
                            int axis = channelAxis(in);
                            Tensor t = feeds.get(in.name());
                            if (axis >= 0 && t != null && t.rank() == 4) {
                                feeds.put(in.name(), normalise(t, axis, n));
                            }
                        }
                        return new Batch(feeds, b.first(), b.count(), b.labels(), b.referenceOutputs());
                    }

                    @Override
                    public int size() {
                        return batches.size();
                    }
                };
            }
        };
    }

    private static Tensor normalise(Tensor t, int axis, Normalisation n) {
        double[] v = t.toDoubleArray();
        long[] d = t.dims();
        int channels = (int) d[axis];
        long inner = 1;
        for (int i = axis + 1; i < d.length; i++) {
            inner *= d[i];
        }
        for (int i = 0; i < v.length; i++) {
            int c = (int) ((i / inner) % channels);
            v[i] = n.apply(v[i], c, channels);
        }
        return Tensor.of(t.dataType(), d, v).withName(t.name());
    }
}
