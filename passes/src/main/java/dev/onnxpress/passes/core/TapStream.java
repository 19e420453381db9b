package dev.onnxpress.passes.core;

import dev.onnxpress.ir.DataType;
import dev.onnxpress.ir.Tensor;
import dev.onnxpress.ort.IoInfo;
import dev.onnxpress.ort.OrtRunner;
import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs a model with internal values tapped over calibration batches and hands the taps on run by run,
 * so nothing depends on the number of samples: a consumer folds each run into its accumulators and the
 * run's tensors are garbage when it returns.
 *
 * <p>A tapped run holds every tapped activation of every sample in the run at once (in ONNX Runtime and
 * as Java copies). When the model's batch dimension is symbolic, each batch is therefore cut along axis 0
 * into runs of at most {@code budgetBytes} of tapped values: the first run takes one sample and measures
 * what a sample costs, later runs take as many samples as fit (at least one). A fixed batch dimension
 * cannot be cut; its batches run whole. The cut is a pure function of the batches and the budget, so the
 * same data gives the same runs.
 */
public final class TapStream implements AutoCloseable {
    /** Default bound on the tapped bytes of one run. */
    public static final long DEFAULT_BUDGET = 256L << 20;

    private final OrtRunner ort;
    private final List<String> names;
    private final long budget;
    private final boolean splittable;
    private long perSample = -1;
    private long maxRunBytes;
    private long runs;

    private TapStream(OrtRunner ort, List<String> names, long budget) {
        this.ort = ort;
        this.names = names;
        this.budget = budget;
        boolean split = !ort.inputs().isEmpty();
        for (IoInfo in : ort.inputs()) {
            split &= in.rank() > 0 && in.shape()[0] < 0;
        }
        this.splittable = split;
    }

    /** A stream over {@code model} (serialized, without taps) with {@code names} tapped. */
    public static TapStream open(byte[] model, List<String> names, OrtRunner.Options options, long budgetBytes) {
        List<String> distinct = names.stream().distinct().toList();
        return new TapStream(OrtRunner.open(OrtRunner.withTaps(model, distinct), options), distinct, budgetBytes);
    }

    /**
     * A stream over {@code model} with {@code names} tapped; a large model goes to ONNX Runtime through a
     * temporary file without its serialized bytes on the heap ({@link OrtRunner#openWithTaps}).
     */
    public static TapStream open(dev.onnxpress.ir.Model model, List<String> names, OrtRunner.Options options,
            long budgetBytes) {
        List<String> distinct = names.stream().distinct().toList();
        return new TapStream(OrtRunner.openWithTaps(model, distinct, options), distinct, budgetBytes);
    }

    public static TapStream open(byte[] model, List<String> names) {
        return open(model, names, OrtRunner.Options.defaults(), DEFAULT_BUDGET);
    }

    /** Receives the taps of one run. */
    public interface Sink {
        void accept(Map<String, Tensor> taps);
    }

    /** Every batch, run by run, as float views (see {@link OrtRunner#runFloats}). */
    public void forEachFloats(List<Map<String, Tensor>> batches, List<String> wanted, OrtRunner.FloatSink sink) {
        for (Map<String, Tensor> batch : batches) {
            cut(batch, feeds -> {
                long t0 = System.nanoTime();
                long[] inSink = {0};
                long bytes = ort.runFloats(feeds, wanted, (name, type, dims, data) -> {
                    long s0 = System.nanoTime();
                    sink.accept(name, type, dims, data);
                    inSink[0] += System.nanoTime() - s0;
                });
                Clock.record(System.nanoTime() - t0 - inSink[0], inSink[0], rows(feeds));
                return bytes;
            });
        }
    }

    /** Every batch, run by run, as tensors. */
    public void forEach(List<Map<String, Tensor>> batches, List<String> wanted, Sink sink) {
        for (Map<String, Tensor> batch : batches) {
            cut(batch, feeds -> {
                long t0 = System.nanoTime();
                Map<String, Tensor> r = ort.run(feeds, wanted);
                long t1 = System.nanoTime();
                long bytes = 0;
                for (Tensor t : r.values()) {
                    bytes += t.byteSize();
                }
                sink.accept(r);
                Clock.record(t1 - t0, System.nanoTime() - t1, rows(feeds));
                return bytes;
            });
        }
    }

    /**
     * Process-wide tally of the tapped runs of the data-driven passes: time in ONNX Runtime (the runs and
     * the taps handed back), time in the passes' own accumulation, and samples run. Benchmarks read it to
     * set calibration throughput against plain inference; nothing in the product depends on it.
     */
    public static final class Clock {
        private static final java.util.concurrent.atomic.LongAdder RUN = new java.util.concurrent.atomic.LongAdder();
        private static final java.util.concurrent.atomic.LongAdder WORK = new java.util.concurrent.atomic.LongAdder();
        private static final java.util.concurrent.atomic.LongAdder SAMPLES = new java.util.concurrent.atomic.LongAdder();

        private Clock() {
        }

        /** One run: nanoseconds in ORT, nanoseconds accumulating, samples (1 for a run that cannot be counted). */
        public static void record(long runNanos, long workNanos, long samples) {
            RUN.add(runNanos);
            WORK.add(workNanos);
            SAMPLES.add(Math.max(1, samples));
        }

        public static long runNanos() {
            return RUN.sum();
        }

        public static long workNanos() {
            return WORK.sum();
        }

        public static long samples() {
            return SAMPLES.sum();
        }
    }

    public List<String> names() {
        return names;
    }

    /** The most tapped bytes one run produced so far. */
    public long maxRunBytes() {
        return maxRunBytes;
    }

    /** ORT runs so far. */
    public long runs() {
        return runs;
    }

    private interface Run {
        long run(Map<String, Tensor> feeds);
    }

    private void cut(Map<String, Tensor> batch, Run run) {
        long n = splittable ? rows(batch) : -1;
        if (n <= 1) {
            record(run.run(batch), 1);
            return;
        }
        long at = 0;
        while (at < n) {
            long take = perSample < 0 ? 1 : Math.max(1, Math.min(n - at, budget / Math.max(1, perSample)));
            Map<String, Tensor> part = take == n ? batch : slice(batch, at, take);
            long bytes = run.run(part);
            record(bytes, take);
            at += take;
        }
    }

    private void record(long bytes, long samples) {
        runs++;
        maxRunBytes = Math.max(maxRunBytes, bytes);
        if (perSample < 0) {
            perSample = (bytes + samples - 1) / samples;
        }
    }

    /**
     * {@code batch} cut into runs of {@code ort} whose {@code outputs} take at most {@code budgetBytes}, as
     * far as the outputs' declared shapes tell the size of one sample (a batch dimension that is not
     * symbolic, or an output whose other dimensions are not all known, leaves the batch whole).
     */
    public static List<Map<String, Tensor>> cuts(Map<String, Tensor> batch, OrtRunner ort, long budgetBytes,
            String... outputs) {
        long n = rows(batch);
        boolean symbolic = !ort.inputs().isEmpty();
        for (IoInfo in : ort.inputs()) {
            symbolic &= in.rank() > 0 && in.shape()[0] < 0;
        }
        long perSample = 0;
        for (String name : outputs) {
            IoInfo o = ort.output(name).orElse(null);
            if (o == null || o.rank() == 0 || o.type().bits() == 0) {
                return List.of(batch);
            }
            long[] shape = o.shape();
            long count = 1;
            for (int i = 1; i < shape.length; i++) {
                if (shape[i] < 0) {
                    return List.of(batch);
                }
                count *= shape[i];
            }
            perSample += o.type().byteSize(count);
        }
        if (!symbolic || n <= 1 || perSample == 0) {
            return List.of(batch);
        }
        long take = Math.max(1, budgetBytes / perSample);
        if (take >= n) {
            return List.of(batch);
        }
        List<Map<String, Tensor>> out = new java.util.ArrayList<>();
        for (long at = 0; at < n; at += take) {
            out.add(slice(batch, at, Math.min(take, n - at)));
        }
        return out;
    }

    /** The common size of axis 0 of every feed, or -1 when they differ or one is a scalar. */
    static long rows(Map<String, Tensor> batch) {
        long n = -1;
        for (Tensor t : batch.values()) {
            if (t.rank() == 0 || (n >= 0 && t.dim(0) != n)) {
                return -1;
            }
            n = t.dim(0);
        }
        return n;
    }

    /** Rows [from, from + count) of every feed. */
    static Map<String, Tensor> slice(Map<String, Tensor> batch, long from, long count) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> e : batch.entrySet()) {
            Tensor t = e.getValue();
            if (t.dataType() == DataType.STRING) {
                throw new IllegalArgumentException("cannot cut string input '" + e.getKey() + "' into runs");
            }
            long[] dims = t.dims().clone();
            long rowBytes = t.dataType().byteSize(t.elementCount() / dims[0]);
            dims[0] = count;
            ByteBuffer src = t.buffer();
            byte[] raw = new byte[Math.toIntExact(rowBytes * count)];
            src.position(Math.toIntExact(rowBytes * from));
            src.get(raw);
            out.put(e.getKey(), Tensor.ofRaw(t.dataType(), dims, raw).withName(t.name()));
        }
        return out;
    }

    @Override
    public void close() {
        ort.close();
    }
}
