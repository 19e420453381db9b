package dev.onnxpress.passes.prune.channels;

import dev.onnxpress.ir.Tensor;

/** Keeps chosen indices of one axis of a tensor; the element type is kept (values pass through double). */
final class TensorSlicer {
    private TensorSlicer() {
    }

    static Tensor keep(Tensor t, int axis, int[] indices) {
        long[] d = t.dims();
        long outer = 1;
        for (int i = 0; i < axis; i++) {
            outer *= d[i];
        }
        long inner = 1;
        for (int i = axis + 1; i < d.length; i++) {
            inner *= d[i];
        }
        double[] x = t.toDoubleArray();
        double[] out = new double[(int) (outer * indices.length * inner)];
        int k = 0;
        for (long o = 0; o < outer; o++) {
            for (int idx : indices) {
                long base = (o * d[axis] + idx) * inner;
                for (long j = 0; j < inner; j++) {
                    out[k++] = x[(int) (base + j)];
                }
            }
        }
        long[] nd = d.clone();
        nd[axis] = indices.length;
        return Tensor.of(t.dataType(), nd, out);
    }
}
