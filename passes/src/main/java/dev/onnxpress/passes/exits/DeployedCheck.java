package dev.onnxpress.passes.exits;

import dev.onnxpress.ir.Tensor;
import dev.onnxpress.ort.OrtRunner;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The emitted model measured as it is deployed: ONNX Runtime runs it one sample at a time over the held-out
 * calibration samples (the ones the thresholds were chosen on), so the gate decides on each sample alone, as a
 * batch gate does at batch size 1 and a per-sample gate at any batch size. Its accuracy is what the chosen
 * thresholds really give ({@code accuracy_deployed}); its agreement with the pass's own simulation of the
 * exits ({@code deployed_agreement}) shows the simulation the thresholds were chosen on is the deployed model.
 */
final class DeployedCheck {
    private DeployedCheck() {
    }

    record Result(int right, int agreeing, int samples) {
        double accuracy() {
            return samples == 0 ? Double.NaN : right / (double) samples;
        }

        double agreement() {
            return samples == 0 ? Double.NaN : agreeing / (double) samples;
        }
    }

    /**
     * @param batches   the calibration batches, in order; samples {@code from} onwards are the held-out ones
     * @param target    every calibration sample's target class
     * @param simulated the simulated prediction of each held-out sample
     */
    static Result measure(byte[] model, List<Map<String, Tensor>> batches, int from, int[] target, int[] simulated,
            String output) {
        int k = 0;
        int right = 0;
        int agree = 0;
        int measured = 0;
        try (OrtRunner ort = OrtRunner.open(model)) {
            for (Map<String, Tensor> batch : batches) {
                int rows = (int) batch.values().iterator().next().dim(0);
                for (int r = 0; r < rows; r++, k++) {
                    if (k < from) {
                        continue;
                    }
                    Tensor y = ort.run(row(batch, r, rows), List.of(output)).get(output);
                    int pred = LinearHead.argmax(y.toFloatArray());
                    right += pred == target[k] ? 1 : 0;
                    agree += pred == simulated[k - from] ? 1 : 0;
                    measured++;
                }
            }
        }
        return new Result(right, agree, measured);
    }

    /** Row {@code r} of every feed of a batch, as a batch of one. */
    static Map<String, Tensor> row(Map<String, Tensor> batch, int r, int rows) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> e : batch.entrySet()) {
            Tensor t = e.getValue();
            if (t.rank() == 0 || t.dim(0) != rows) {
                out.put(e.getKey(), t);
                continue;
            }
            byte[] raw = t.rawBytes();
            int per = raw.length / rows;
            long[] dims = t.dims();
            dims[0] = 1;
            out.put(e.getKey(), Tensor.ofRaw(t.dataType(), dims, Arrays.copyOfRange(raw, r * per, (r + 1) * per))
                    .withName(t.name()));
        }
        return out;
    }
}
