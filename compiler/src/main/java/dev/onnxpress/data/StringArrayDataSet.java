package dev.onnxpress.data;

import dev.onnxpress.error.UserException;
import dev.onnxpress.ir.DataType;
import dev.onnxpress.ir.Tensor;
import dev.onnxpress.ort.IoInfo;
import java.util.AbstractList;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * Samples that are strings ({@code npy} arrays of dtype {@code S} or {@code U}), for a model whose input is a
 * string tensor: ONNX Runtime takes those as they are, so the samples are cut into batches without any
 * conversion. The sample shape must be the input's (after the batch dimension).
 */
final class StringArrayDataSet implements DataSet {
    private final String name;
    private final String noun;
    private final long[] sampleDims;
    private final int sampleLength;
    private final List<byte[]> values;
    private final int size;
    private final Optional<int[]> labels;

    private StringArrayDataSet(String name, String noun, long[] sampleDims, List<byte[]> values, int size,
            Optional<int[]> labels) {
        this.name = name;
        this.noun = noun;
        this.sampleDims = sampleDims;
        this.sampleLength = (int) Tensor.elementCount(sampleDims);
        this.values = values;
        this.size = size;
        this.labels = labels;
    }

    static StringArrayDataSet of(String name, String noun, Tensor samples, Optional<int[]> labels,
            Preprocess preprocess, OptionalInt count) {
        if (!preprocess.isIdentity()) {
            throw new UserException("data '" + name + "': " + noun + " are strings: scale, mean and std do not apply");
        }
        long[] dims = samples.dims();
        int n = (int) dims[0];
        if (count.isPresent()) {
            int c = count.getAsInt();
            if (c < 1 || c > n) {
                throw new UserException("data '" + name + "': count=" + c + " but the file holds " + n + " " + noun);
            }
            n = c;
        }
        if (labels.isPresent() && labels.get().length < n) {
            throw new UserException("data '" + name + "': " + n + " " + noun + " but " + labels.get().length
                    + " labels");
        }
        int size = n;
        long[] sample = Arrays.copyOfRange(dims, 1, dims.length);
        List<byte[]> all = samples.strings();
        List<byte[]> kept = List.copyOf(all.subList(0, (int) (size * Tensor.elementCount(sample))));
        return new StringArrayDataSet(name, noun, sample, kept, size, labels.map(l -> Arrays.copyOf(l, size)));
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
        return labels;
    }

    @Override
    public boolean hasReferenceOutputs() {
        return false;
    }

    @Override
    public List<Batch> batches(ModelSignature model, String inputName, int batchSize) {
        IoInfo in = model.input(inputName);
        if (in.type() != DataType.STRING) {
            throw new UserException("data '" + name + "': " + noun + " are strings but model input '" + in.name()
                    + "' expects " + in.describe());
        }
        long[] shape = in.shape();
        boolean fits = shape.length == sampleDims.length + 1;
        for (int i = 1; fits && i < shape.length; i++) {
            fits = shape[i] < 0 || shape[i] == sampleDims[i - 1];
        }
        if (!fits) {
            throw new UserException("data '" + name + "': " + noun + " are " + IoInfo.dimsText(sampleDims)
                    + " strings but model input '" + in.name() + "' expects " + in.describe());
        }
        boolean fixed = shape[0] >= 0;
        int rows = fixed ? (int) Math.max(1, shape[0]) : batchSize;
        int count = (size + rows - 1) / rows;
        return new AbstractList<>() {
            @Override
            public Batch get(int index) {
                int first = index * rows;
                int real = Math.min(rows, size - first);
                int fed = fixed ? rows : real;
                List<byte[]> batch = new ArrayList<>(fed * sampleLength);
                for (int r = 0; r < fed; r++) {
                    int s = Math.min(first + r, size - 1); // fixed batch sizes: pad with the last sample
                    batch.addAll(values.subList(s * sampleLength, (s + 1) * sampleLength));
                }
                long[] dims = new long[sampleDims.length + 1];
                dims[0] = fed;
                System.arraycopy(sampleDims, 0, dims, 1, sampleDims.length);
                Tensor feed = Tensor.ofStrings(dims, batch).withName(in.name());
                Optional<int[]> l = labels.map(x -> Arrays.copyOfRange(x, first, first + real));
                return new Batch(Map.of(in.name(), feed), first, real, l, Map.of());
            }

            @Override
            public int size() {
                return count;
            }
        };
    }
}
