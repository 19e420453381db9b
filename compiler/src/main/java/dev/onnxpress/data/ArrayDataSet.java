package dev.onnxpress.data;

import dev.onnxpress.error.UserException;
import dev.onnxpress.ir.DataType;
import dev.onnxpress.ir.Float16;
import dev.onnxpress.ir.Tensor;
import dev.onnxpress.ort.IoInfo;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.AbstractList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Samples stacked along the first axis of one array ({@code [N, ...]}), read from IDX or .npy files,
 * with optional labels. Values stay in the file's element type until a batch is built, then go through
 * the {@link Preprocess} and into the model input's type.
 */
final class ArrayDataSet implements DataSet {
    private final String name;
    private final String noun;
    private final DataType type;
    private final long[] sampleDims;
    private final int size;
    private final int sampleLength;
    private final ByteBuffer data;
    private final Preprocess preprocess;
    private final Optional<int[]> labels;

    /** {@code samples} is {@code [N, ...]}; {@code noun} says what a sample is in messages ("images"). */
    ArrayDataSet(String name, String noun, Tensor samples, Preprocess preprocess, Optional<int[]> labels) {
        if (samples.rank() < 1) {
            throw new UserException("data '" + name + "': " + noun + " must have at least one dimension (the sample count)");
        }
        if (!samples.dataType().isFloatingPoint() && !samples.dataType().isInteger()
                && samples.dataType() != DataType.BOOL) {
            throw new UserException("data '" + name + "': " + noun + " of type " + samples.dataType().displayName()
                    + " are not numbers");
        }
        this.name = name;
        this.noun = noun;
        this.type = samples.dataType();
        long[] dims = samples.dims();
        this.size = (int) dims[0];
        this.sampleDims = Arrays.copyOfRange(dims, 1, dims.length);
        this.sampleLength = (int) Tensor.elementCount(sampleDims);
        this.data = ByteBuffer.wrap(samples.rawBytes()).order(ByteOrder.LITTLE_ENDIAN);
        this.preprocess = preprocess;
        this.labels = labels.map(int[]::clone);
        labels.ifPresent(l -> {
            if (l.length != size) {
                throw new UserException("data '" + name + "': " + size + " " + noun + " but " + l.length + " labels");
            }
        });
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public int size() {
        return size;
    }

    @Override
    public Optional<int[]> labels() {
        return labels.map(int[]::clone);
    }

    @Override
    public boolean hasReferenceOutputs() {
        return false;
    }

    /** Per-sample dims as stored. */
    long[] sampleDims() {
        return sampleDims.clone();
    }

    @Override
    public List<Batch> batches(ModelSignature model, String inputName, int batchSize) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size " + batchSize);
        }
        IoInfo in = model.input(inputName);
        DataType target = in.type();
        boolean floatTarget = target.isFloatingPoint();
        boolean intTarget = target.isInteger() || target == DataType.BOOL;
        if (!floatTarget && !intTarget) {
            throw new UserException("data '" + name + "': model input '" + in.name() + "' expects " + in.describe()
                    + ", which numeric data cannot feed" + (target == DataType.STRING
                    ? "; give strings: an .npy array of dtype S or U, or onnx_test_data TensorProto files" : ""));
        }
        if (intTarget && (type.isFloatingPoint() || !preprocess.isIdentity())) {
            throw new UserException("data '" + name + "': " + noun + " are real numbers"
                    + (preprocess.isIdentity() ? "" : " after scale/mean/std") + " but model input '" + in.name()
                    + "' expects " + in.describe());
        }
        ShapeFit fit = ShapeFit.fit(sampleDims, in, batchSize).orElseThrow(() -> new UserException(
                "data '" + name + "': " + noun + " are " + IoInfo.dimsText(sampleDims) + " but model input '"
                        + in.name() + "' expects " + in.describe()));
        int rows = fit.rows();
        int count = (size + rows - 1) / rows;
        return new AbstractList<>() {
            @Override
            public Batch get(int index) {
                if (index < 0 || index >= count) {
                    throw new IndexOutOfBoundsException(index);
                }
                return batch(in, fit, index * rows);
            }

            @Override
            public int size() {
                return count;
            }
        };
    }

    private Batch batch(IoInfo in, ShapeFit fit, int first) {
        int real = Math.min(fit.rows(), size - first);
        int rows = fit.fixedRows() ? fit.rows() : real;
        double[] values = new double[rows * sampleLength];
        for (int r = 0; r < rows; r++) {
            int sample = Math.min(first + r, size - 1); // fixed batch sizes: pad with the last sample
            int dst = r * sampleLength;
            int src = sample * sampleLength;
            if (fit.hwcToChw()) {
                int h = (int) sampleDims[0];
                int w = (int) sampleDims[1];
                int c = (int) sampleDims[2];
                for (int y = 0; y < h; y++) {
                    for (int x = 0; x < w; x++) {
                        for (int k = 0; k < c; k++) {
                            values[dst + (k * h + y) * w + x] = value(src + (y * w + x) * c + k);
                        }
                    }
                }
            } else {
                for (int i = 0; i < sampleLength; i++) {
                    values[dst + i] = value(src + i);
                }
            }
        }
        Tensor feed = Tensor.of(in.type(), fit.feedDims(real), values).withName(in.name());
        Optional<int[]> batchLabels = labels.map(l -> Arrays.copyOfRange(l, first, first + real));
        return new Batch(Map.of(in.name(), feed), first, real, batchLabels, Map.of());
    }

    private double value(int element) {
        double v = switch (type) {
            case FLOAT -> data.getFloat(element * 4);
            case DOUBLE -> data.getDouble(element * 8);
            case FLOAT16 -> Float16.toFloat(data.getShort(element * 2));
            case BFLOAT16 -> Float16.bfloat16ToFloat(data.getShort(element * 2));
            case UINT8, BOOL -> data.get(element) & 0xff;
            case INT8 -> data.get(element);
            case UINT16 -> data.getShort(element * 2) & 0xffff;
            case INT16 -> data.getShort(element * 2);
            case INT32 -> data.getInt(element * 4);
            case UINT32 -> data.getInt(element * 4) & 0xffffffffL;
            case INT64, UINT64 -> data.getLong(element * 8);
            default -> throw new IllegalStateException(type.displayName());
        };
        return preprocess.apply(v);
    }
}
