package dev.onnxpress.data;

import dev.onnxpress.error.UserException;
import dev.onnxpress.ir.Tensor;
import dev.onnxpress.ort.IoInfo;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * The data set kinds a recipe can declare, one factory each. Arguments are already typed; the binder
 * maps {@code data NAME = kind(args)} onto these. Every problem with the files (missing, truncated,
 * malformed, inconsistent) is a {@code UserException} naming the data set and the file.
 */
public final class DataSets {
    private DataSets() {
    }

    /** {@code idx(images=…, labels=…, scale=…, mean=…, std=…, count=…)}. */
    public static DataSet idx(String name, Path images, Optional<Path> labels, Preprocess preprocess, OptionalInt count) {
        return idx(name, images, labels, preprocess, 0, count);
    }

    /** {@code idx(…, skip=…, count=…)}: the first {@code skip} samples are left out, then {@code count} are kept. */
    public static DataSet idx(String name, Path images, Optional<Path> labels, Preprocess preprocess, int skip,
                              OptionalInt count) {
        Tensor samples = wrap(name, () -> IdxFile.read(images, "images file"));
        Optional<int[]> l = labels.map(p -> labelsOf(name, wrap(name, () -> IdxFile.read(p, "labels file")), p));
        return limited(name, "images", samples, l, preprocess, skip, count);
    }

    /** {@code npy(path=…, labels=…, scale=…, mean=…, std=…, count=…)}; labels may be .npy or IDX. */
    public static DataSet npy(String name, Path path, Optional<Path> labels, Preprocess preprocess, OptionalInt count) {
        return npy(name, path, labels, preprocess, 0, count);
    }

    /** {@code npy(…, skip=…, count=…)}: the first {@code skip} samples are left out, then {@code count} are kept. */
    public static DataSet npy(String name, Path path, Optional<Path> labels, Preprocess preprocess, int skip,
                              OptionalInt count) {
        Tensor samples = wrap(name, () -> NpyFile.read(path, "array file"));
        Optional<int[]> l = labels.map(p -> labelsOf(name, wrap(name, () -> readLabels(p)), p));
        return limited(name, "samples", samples, l, preprocess, skip, count);
    }

    /** {@code onnx_test_data(dir=…)}. */
    public static DataSet onnxTestData(String name, Path dir) {
        return TestDataSet.load(name, dir);
    }

    /**
     * {@code random(count=…, seed=…, dims=…)}: {@code dims} gives sizes to symbolic dimensions other than
     * the batch, by dimension name.
     */
    public static DataSet random(String name, int count, long seed, Map<String, Long> dims) {
        return new RandomDataSet(name, count, seed, dims, key -> "give one with dims=[\"" + key + "=N\"]");
    }

    /**
     * The random probe inputs of a run without declared evaluation data; {@code dims} comes from the command
     * line's {@code --dims}, so that is what a missing size asks for.
     */
    public static DataSet randomProbes(int count, long seed, Map<String, Long> dims) {
        return randomProbes(count, seed, dims, ProbeValues.none());
    }

    /** Random probes whose integer inputs hold what the model's graph accepts ({@link ProbeValues}). */
    public static DataSet randomProbes(int count, long seed, Map<String, Long> dims, ProbeValues values) {
        return new RandomDataSet("probes", count, seed, dims, key -> "give one with --dims " + key + "=N", values);
    }

    /**
     * Batches already cut for a model, as a data set: {@link DataSet#batches} hands them back as they are,
     * whatever batch size is asked. Labels when every batch has them.
     */
    public static DataSet ofBatches(String name, List<Batch> batches) {
        List<Batch> list = List.copyOf(batches);
        int size = list.stream().mapToInt(Batch::count).sum();
        Optional<int[]> labels = Optional.empty();
        if (list.stream().allMatch(b -> b.labels().isPresent())) {
            int[] all = new int[size];
            int at = 0;
            for (Batch b : list) {
                System.arraycopy(b.labels().orElseThrow(), 0, all, at, b.count());
                at += b.count();
            }
            labels = Optional.of(all);
        }
        return new FixedBatches(name, size, labels, list);
    }

    /** Batches cut once, handed back whatever batch size is asked ({@link #ofBatches}). */
    private record FixedBatches(String name, int size, Optional<int[]> labels, List<Batch> list) implements DataSet {
        @Override
        public boolean hasReferenceOutputs() {
            return false;
        }

        @Override
        public List<Batch> batches(ModelSignature model, String inputName, int batchSize) {
            return list;
        }
    }

    private static Tensor readLabels(Path p) {
        byte[] head = DataFiles.read(p, "labels file");
        boolean npy = head.length > 6 && (head[0] & 0xff) == 0x93 && head[1] == 'N';
        return npy ? NpyFile.read(p, "labels file") : IdxFile.read(p, "labels file");
    }

    private static DataSet limited(String name, String noun, Tensor samples, Optional<int[]> labels,
                                   Preprocess preprocess, int skip, OptionalInt count) {
        if (samples.rank() < 1) {
            throw new UserException("data '" + name + "': " + noun + " must have a first dimension that counts them");
        }
        if (samples.dataType() == dev.onnxpress.ir.DataType.STRING) {
            return StringArrayDataSet.of(name, noun, samples, labels, preprocess, count);
        }
        long n = samples.dim(0);
        if (skip < 0) {
            throw new UserException("data '" + name + "': skip must be at least 0, not " + skip);
        }
        if (skip > 0) {
            if (skip >= n) {
                throw new UserException("data '" + name + "': skip=" + skip + " but the file holds only " + n + " "
                        + noun);
            }
            if (labels.isPresent() && labels.get().length < n) {
                throw new UserException("data '" + name + "': the labels file holds " + labels.get().length
                        + " labels for " + n + " " + noun);
            }
            long[] dims = samples.dims();
            long per = samples.elementCount() / Math.max(1, n);
            dims[0] = n - skip;
            byte[] raw = samples.rawBytes();
            int from = (int) samples.dataType().byteSize(per * skip);
            samples = Tensor.ofRaw(samples.dataType(), dims, Arrays.copyOfRange(raw, from, raw.length));
            labels = labels.map(l -> Arrays.copyOfRange(l, skip, l.length));
            n = n - skip;
        }
        if (count.isPresent()) {
            int c = count.getAsInt();
            if (c < 1) {
                throw new UserException("data '" + name + "': count must be at least 1, not " + c);
            }
            if (c > n) {
                throw new UserException("data '" + name + "': count=" + c + " but the file holds " + n + " " + noun
                        + (skip > 0 ? " after skip=" + skip : ""));
            }
            if (labels.isPresent() && labels.get().length < c) {
                throw new UserException("data '" + name + "': count=" + c + " but the labels file holds "
                        + labels.get().length + " labels");
            }
            long[] dims = samples.dims();
            long per = samples.elementCount() / Math.max(1, n);
            dims[0] = c;
            byte[] raw = samples.rawBytes();
            samples = Tensor.ofRaw(samples.dataType(), dims,
                    Arrays.copyOf(raw, (int) samples.dataType().byteSize(per * c)));
            labels = labels.map(l -> Arrays.copyOf(l, c));
        }
        return new ArrayDataSet(name, noun, samples, preprocess, labels);
    }

    private static int[] labelsOf(String name, Tensor t, Path file) {
        long[] dims = t.dims();
        boolean column = dims.length == 2 && dims[1] == 1;
        if (dims.length != 1 && !column) {
            throw new UserException("data '" + name + "': labels file " + file + " holds " + IoInfo.dimsText(dims)
                    + "; labels must be one integer per sample ([N])");
        }
        if (!t.dataType().isInteger()) {
            throw new UserException("data '" + name + "': labels file " + file + " holds " + t.dataType().displayName()
                    + " values; labels must be integers");
        }
        return t.toIntArray();
    }

    private static <T> T wrap(String name, java.util.function.Supplier<T> read) {
        try {
            return read.get();
        } catch (UserException e) {
            throw new UserException("data '" + name + "': " + e.getMessage(), e);
        }
    }
}
