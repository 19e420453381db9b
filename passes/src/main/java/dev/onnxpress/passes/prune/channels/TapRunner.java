package dev.onnxpress.passes.prune.channels;

import dev.onnxpress.ir.Tensor;
import dev.onnxpress.ort.OrtRunner;
import java.util.List;
import java.util.Map;

/** Runs a model over calibration batches with some internal values tapped, handing each batch's taps on. */
final class TapRunner {
    private TapRunner() {
    }

    interface Sink {
        void accept(int batch, Map<String, Tensor> taps);
    }

    static void run(byte[] model, List<String> names, List<Map<String, Tensor>> batches, Sink sink) {
        List<String> distinct = names.stream().distinct().toList();
        byte[] tapped = OrtRunner.withTaps(model, distinct);
        try (OrtRunner ort = OrtRunner.open(tapped, OrtRunner.Options.defaults().withIntraOpThreads(0))) {
            for (int b = 0; b < batches.size(); b++) {
                sink.accept(b, ort.run(batches.get(b), distinct));
            }
        }
    }

    /** Mean |x| per channel along {@code axis}, over every other axis. */
    static double[] meanAbsPerChannel(Tensor t, int axis) {
        long[] d = t.dims();
        int c = (int) d[axis];
        long inner = 1;
        for (int i = axis + 1; i < d.length; i++) {
            inner *= d[i];
        }
        float[] x = t.toFloatArray();
        double[] sum = new double[c];
        for (int i = 0; i < x.length; i++) {
            sum[(int) ((i / inner) % c)] += Math.abs(x[i]);
        }
        double per = (double) x.length / c;
        for (int i = 0; i < c; i++) {
            sum[i] /= per;
        }
        return sum;
    }
}
