package dev.onnxpress.data;

import dev.onnxpress.error.UserException;
import dev.onnxpress.ir.DataType;
import dev.onnxpress.ir.Tensor;
import dev.onnxpress.ort.IoInfo;
import java.util.AbstractList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.function.Function;

/**
 * Seeded probe inputs shaped after every model input: floats uniform in [0,1), integers uniform in
 * [0,10), bools fair coins. A sample's values depend only on the seed, its index and the input's
 * position, never on the batch size, so runs batched differently see the same data.
 *
 * <p>The first dimension of each input is the batch; a symbolic first dimension gets the batch size (or
 * {@code input[0]} from {@code dims}), a fixed one keeps its size, input by input. Any other symbolic
 * dimension needs a size in {@code dims}: {@code input[axis]} first, then the dimension's name.
 *
 * <p>Integer inputs whose valid values the graph shows ({@link ProbeValues}: Gather indices, shape tensors)
 * get values from that range instead.
 */
final class RandomDataSet implements DataSet {
    private final String name;
    private final int count;
    private final long seed;
    private final Map<String, Long> dims;
    private final Function<String, String> missingDimFix;
    private final ProbeValues values;

    /** {@code missingDimFix} turns the key of a symbolic dim without a size into the fix to print. */
    RandomDataSet(String name, int count, long seed, Map<String, Long> dims, Function<String, String> missingDimFix) {
        this(name, count, seed, dims, missingDimFix, ProbeValues.none());
    }

    /** {@code values}: what the model's graph says its integer inputs must hold (indices, shape tensors). */
    RandomDataSet(String name, int count, long seed, Map<String, Long> dims, Function<String, String> missingDimFix,
            ProbeValues values) {
        if (count < 1) {
            throw new UserException("data '" + name + "': count must be at least 1, not " + count);
        }
        this.name = name;
        this.count = count;
        this.seed = seed;
        this.dims = Map.copyOf(dims);
        this.missingDimFix = missingDimFix;
        this.values = values;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public int size() {
        return count;
    }

    @Override
    public Optional<int[]> labels() {
        return Optional.empty();
    }

    @Override
    public boolean hasReferenceOutputs() {
        return false;
    }

    /** Feeds every model input; {@code inputName} only picks whose fixed batch size wins. */
    @Override
    public List<Batch> batches(ModelSignature model, String inputName, int batchSize) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size " + batchSize);
        }
        if (model.inputs().isEmpty()) {
            throw new UserException("data '" + name + "': the model has no inputs to feed");
        }
        IoInfo lead = model.input(inputName);
        long leadRows = batchDim(lead);
        boolean fixed = leadRows >= 0;
        int rows = Math.max(1, fixed ? (int) leadRows : batchSize);
        List<long[]> sampleDims = new java.util.ArrayList<>();
        for (IoInfo in : model.inputs()) {
            if (in.type() == DataType.STRING || !in.isTensor()) {
                throw new UserException("data '" + name + "': random data cannot feed model input '" + in.name()
                        + "' (" + in.describe() + "); give real inputs instead: data NAME = onnx_test_data(dir=\"…\")"
                        + " (TensorProto files" + (in.type() == DataType.STRING ? ", string tensors included" : "")
                        + ") or npy(path=\"…\")" + (in.type() == DataType.STRING ? " (a string array, dtype S or U)" : "")
                        + ", then verify using NAME");
            }
            sampleDims.add(sampleDims(in));
        }
        int perBatch = rows;
        int batches = (count + rows - 1) / rows;
        return new AbstractList<>() {
            @Override
            public Batch get(int index) {
                if (index < 0 || index >= batches) {
                    throw new IndexOutOfBoundsException(index);
                }
                int first = index * perBatch;
                int real = Math.min(perBatch, count - first);
                Map<String, Tensor> feeds = new LinkedHashMap<>();
                for (int j = 0; j < model.inputs().size(); j++) {
                    IoInfo in = model.inputs().get(j);
                    long own = batchDim(in);
                    int inRows = own >= 0 ? (int) own : fixed ? perBatch : real;
                    // a shape tensor (fixed values) is one block; other inputs are drawn sample by sample
                    boolean whole = own >= 0 && values.rule(in.name()).orElse(null) instanceof ProbeValues.Fixed;
                    feeds.put(in.name(), feed(in, j, sampleDims.get(j), first, inRows, whole));
                }
                return new Batch(feeds, first, real, Optional.empty(), Map.of());
            }

            @Override
            public int size() {
                return batches;
            }
        };
    }

    /** The dims after the batch dimension, symbolic ones resolved. Rank-0 inputs: one scalar per run. */
    private long[] sampleDims(IoInfo in) {
        long[] shape = in.shape();
        if (shape.length == 0) {
            return shape;
        }
        long[] out = new long[shape.length - 1];
        for (int i = 1; i < shape.length; i++) {
            if (shape[i] >= 0) {
                out[i - 1] = shape[i];
                continue;
            }
            String dimName = in.dimNames().get(i);
            String axisKey = in.name() + "[" + i + "]";
            String key = dimName.isEmpty() ? axisKey : dimName;
            Long v = dims.containsKey(axisKey) ? dims.get(axisKey) : dims.get(key);
            if (v == null || v < 1) {
                throw new UserException("data '" + name + "': model input '" + in.name() + "' (" + in.describe()
                        + ") has no fixed size for dimension " + i + "; " + missingDimFix.apply(key));
            }
            out[i - 1] = v;
        }
        return out;
    }

    /** Most values one probe feed may hold (a double each while drawn). */
    static final long MAX_FEED_VALUES = 1L << 28;

    /**
     * The size of an input's first dimension when fixed: from the model, else from {@code input[0]} in the
     * sizes given; -1 when the batch size decides it.
     */
    private long batchDim(IoInfo in) {
        if (in.rank() == 0) {
            return -1;
        }
        if (in.shape()[0] >= 0) {
            return in.shape()[0];
        }
        Long given = dims.get(in.name() + "[0]");
        return given != null && given >= 1 ? given : -1;
    }

    /**
     * One input's feed. A {@code whole} input (a shape tensor of fixed size) is not cut into samples: its
     * values are one block, its elements in order.
     */
    private Tensor feed(IoInfo in, int inputIndex, long[] sample, int first, int rows, boolean whole) {
        long perLong = Tensor.elementCount(sample);
        boolean scalar = in.rank() == 0;
        int n = scalar ? 1 : rows;
        if (perLong < 0 || perLong > MAX_FEED_VALUES / Math.max(1, n)) {
            throw new UserException("data '" + name + "': model input '" + in.name() + "' (" + in.describe()
                    + ") needs " + (perLong < 0 ? "more than 2^63" : Long.toString(perLong)) + " values per sample;"
                    + " a batch of " + n + " would not fit in memory (the limit is " + MAX_FEED_VALUES
                    + " values); fix the input's shape (fix_shapes, --dims)");
        }
        int per = (int) perLong;
        ProbeValues.Rule rule = this.values.rule(in.name()).orElse(null);
        int blocks = whole ? 1 : n;
        int blockSize = whole ? n * per : per;
        long[] feedDims = feedDims(scalar, sample, rows);
        if (in.type() == DataType.FLOAT && rule == null) {
            // the same values as below, written straight as float bytes: no double and float arrays in between
            // (a calibration run's feeds are most of what it allocates on the heap)
            java.nio.ByteBuffer raw = java.nio.ByteBuffer.allocate(Math.multiplyExact(n * per, 4))
                    .order(java.nio.ByteOrder.LITTLE_ENDIAN);
            for (int r = 0; r < blocks; r++) {
                SplittableRandom random = new SplittableRandom(mix(seed, Math.min(first + r, count - 1), inputIndex));
                for (int i = 0; i < blockSize; i++) {
                    raw.putFloat((float) random.nextDouble());
                }
            }
            return Tensor.ofRaw(DataType.FLOAT, feedDims, raw.array()).withName(in.name());
        }
        double[] values = new double[n * per];
        for (int r = 0; r < blocks; r++) {
            int s = Math.min(first + r, count - 1);
            SplittableRandom random = new SplittableRandom(mix(seed, s, inputIndex));
            for (int i = 0; i < blockSize; i++) {
                DataType t = in.type();
                values[r * blockSize + i] = rule != null ? rule.value(i, random) : t.isFloatingPoint()
                        ? random.nextDouble() : t == DataType.BOOL ? random.nextInt(2) : random.nextInt(10);
            }
        }
        return Tensor.of(in.type(), feedDims, values).withName(in.name());
    }

    private static long[] feedDims(boolean scalar, long[] sample, int rows) {
        if (scalar) {
            return new long[0];
        }
        long[] feedDims = new long[sample.length + 1];
        feedDims[0] = rows;
        System.arraycopy(sample, 0, feedDims, 1, sample.length);
        return feedDims;
    }

    private static long mix(long seed, long sample, long input) {
        long z = seed * 0x9E3779B97F4A7C15L + sample * 0xBF58476D1CE4E5B9L + input * 0x94D049BB133111EBL;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
