package dev.onnxpress.data;

import dev.onnxpress.ir.Tensor;
import dev.onnxpress.ort.IoInfo;
import java.util.Arrays;
import java.util.Optional;

/**
 * How one sample of shape {@code s} becomes (part of) a model input.
 *
 * <p>Rules, tried in order against the input's per-sample dims (its shape without the batch dimension;
 * then, when nothing fits, against its whole shape, one sample per run):
 * <ol>
 *   <li>same rank, every fixed dim equal: as is;</li>
 *   <li>equal after dropping dims of size 1 (symbolic dims take the sample's sizes): a reshape,
 *       e.g. {@code [28,28]} → {@code [1,28,28]};</li>
 *   <li>channel-last {@code [H,W,C]} with C of 3 or 4 against channel-first {@code [C,H,W]}: a transpose;</li>
 *   <li>flattening to (or unflattening from) rank 1 with the same element count, e.g.
 *       {@code [28,28]} → {@code [784]}.</li>
 * </ol>
 *
 * @param batched    the feed has a leading batch dimension of {@code rows}
 * @param sampleDims the per-sample dims of the feed
 * @param hwcToChw   samples are transposed from channel-last to channel-first
 * @param rows       samples per run
 * @param fixedRows  the model fixes the batch size: a short last batch is padded to {@code rows}
 */
record ShapeFit(boolean batched, long[] sampleDims, boolean hwcToChw, int rows, boolean fixedRows) {

    static Optional<ShapeFit> fit(long[] s, IoInfo in, int batchSize) {
        long[] shape = in.shape();
        if (shape.length >= 1) {
            long[] perSample = Arrays.copyOfRange(shape, 1, shape.length);
            Optional<Match> m = match(s, perSample);
            if (m.isPresent()) {
                int rows = shape[0] >= 0 ? (int) shape[0] : batchSize;
                if (rows > 0) {
                    return Optional.of(new ShapeFit(true, m.get().dims, m.get().transpose, rows, shape[0] >= 0));
                }
            }
        }
        return match(s, shape).map(m -> new ShapeFit(false, m.dims, m.transpose, 1, true));
    }

    /** Dims of a feed holding {@code real} samples. */
    long[] feedDims(int real) {
        if (!batched) {
            return sampleDims.clone();
        }
        long[] d = new long[sampleDims.length + 1];
        d[0] = fixedRows ? rows : real;
        System.arraycopy(sampleDims, 0, d, 1, sampleDims.length);
        return d;
    }

    private record Match(long[] dims, boolean transpose) {
    }

    private static Optional<Match> match(long[] s, long[] d) {
        if (compatible(s, d)) {
            return Optional.of(new Match(s.clone(), false));
        }
        long[] sKeep = Arrays.stream(s).filter(x -> x != 1).toArray();
        long[] dKeep = Arrays.stream(d).filter(x -> x != 1).toArray();
        if (compatible(sKeep, dKeep)) {
            long[] dims = d.clone();
            for (int i = 0, j = 0; i < dims.length; i++) {
                if (dims[i] != 1) {
                    dims[i] = sKeep[j++];
                }
            }
            return Optional.of(new Match(dims, false));
        }
        if (s.length == 3 && d.length == 3 && (s[2] == 3 || s[2] == 4)) {
            long[] chw = {s[2], s[0], s[1]};
            if (compatible(chw, d)) {
                return Optional.of(new Match(chw, true));
            }
        }
        boolean fixed = Arrays.stream(d).allMatch(x -> x >= 0);
        if (fixed && (d.length == 1 || s.length == 1) && Tensor.elementCount(d) == Tensor.elementCount(s)) {
            return Optional.of(new Match(d.clone(), false));
        }
        return Optional.empty();
    }

    private static boolean compatible(long[] a, long[] d) {
        if (a.length != d.length) {
            return false;
        }
        for (int i = 0; i < a.length; i++) {
            if (d[i] >= 0 && d[i] != a[i]) {
                return false;
            }
        }
        return true;
    }
}
