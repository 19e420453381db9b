package dev.onnxpress.ort;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import ai.onnxruntime.ValueInfo;
import dev.onnxpress.error.InternalException;
import dev.onnxpress.error.UserException;
import dev.onnxpress.ir.DataType;
import dev.onnxpress.ir.Tensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * One ONNX Runtime session over one model: named inputs and outputs, runs on {@link Tensor}s, batched
 * runs, latency, and {@link #withTaps intermediate taps}.
 *
 * <p>Every ORT object a run creates (input tensors, results) is closed before the run returns; the
 * returned tensors are plain Java copies. A runner is safe to use from several threads (ORT sessions
 * are); {@link #close()} must come after the last run.
 */
public final class OrtRunner implements AutoCloseable {

    /**
     * How the session is created.
     *
     * @param optimization       ORT graph optimization level (default NONE: verification must see the
     *                           graph onnxpress wrote, not ORT's rewrite of it)
     * @param intraOpThreads     threads for one operator; default 1 so verification runs are
     *                           deterministic (reductions split over threads sum in another order);
     *                           0 lets ORT use every core
     * @param externalDataFolder where a model opened from bytes finds its external data files (without
     *                           it ORT resolves them against the working directory)
     * @param optimizedModelPath where ORT writes the model after its optimizations
     * @param saveOrtFormat      write that model in ORT's own format (path should end ".ort")
     */
    public record Options(OptimizationLevel optimization, int intraOpThreads, Optional<Path> externalDataFolder,
                          Optional<Path> optimizedModelPath, boolean saveOrtFormat) {
        public Options {
            Objects.requireNonNull(optimization);
            Objects.requireNonNull(externalDataFolder);
            Objects.requireNonNull(optimizedModelPath);
            if (intraOpThreads < 0) {
                throw new IllegalArgumentException("intraOpThreads must be >= 0, not " + intraOpThreads);
            }
            if (saveOrtFormat && optimizedModelPath.isEmpty()) {
                throw new IllegalArgumentException("saveOrtFormat needs an optimizedModelPath");
            }
        }

        public static Options defaults() {
            return new Options(OptimizationLevel.NONE, 1, Optional.empty(), Optional.empty(), false);
        }

        public Options withOptimization(OptimizationLevel level) {
            return new Options(level, intraOpThreads, externalDataFolder, optimizedModelPath, saveOrtFormat);
        }

        public Options withIntraOpThreads(int threads) {
            return new Options(optimization, threads, externalDataFolder, optimizedModelPath, saveOrtFormat);
        }

        public Options withExternalDataFolder(Path folder) {
            return new Options(optimization, intraOpThreads, Optional.of(folder), optimizedModelPath, saveOrtFormat);
        }

        public Options withOptimizedModelPath(Path path) {
            return new Options(optimization, intraOpThreads, externalDataFolder, Optional.of(path), saveOrtFormat);
        }

        public Options withOrtFormat(boolean ortFormat) {
            return new Options(optimization, intraOpThreads, externalDataFolder, optimizedModelPath, ortFormat);
        }
    }

    private final OrtEnvironment env;
    private final OrtSession session;
    private final String source;
    private final List<IoInfo> inputs;
    private final List<IoInfo> outputs;
    private final Map<String, IoInfo> inputsByName;

    private OrtRunner(OrtEnvironment env, OrtSession session, String source) throws OrtException {
        this.env = env;
        this.session = session;
        this.source = source;
        this.inputs = ioInfos(session.getInputInfo());
        this.outputs = ioInfos(session.getOutputInfo());
        this.inputsByName = inputs.stream().collect(Collectors.toMap(IoInfo::name, i -> i, (a, b) -> a,
                LinkedHashMap::new));
    }

    // ---------------------------------------------------------------- opening

    public static OrtRunner open(byte[] model) {
        return open(model, Options.defaults());
    }

    /**
     * Serialized models at least this large are handed to ONNX Runtime through a temporary file: a session
     * created from a Java byte array peaks at about three times the model in native memory (JNI's copy of
     * the array, the parsed proto, the initializers), one created from a file at about its final size
     * (BERT-base, 340 MB: 1.6 GB peak RSS from bytes, 0.65 GB from a file).
     */
    public static final int FILE_THRESHOLD = 64 << 20;

    /** A session over serialized model bytes. */
    public static OrtRunner open(byte[] model, Options options) {
        return open(model, options, FILE_THRESHOLD);
    }

    /** As {@link #open(byte[], Options)}, through a file from {@code fileThreshold} bytes on (tests). */
    static OrtRunner open(byte[] model, Options options, long fileThreshold) {
        OrtEnvironment env = OrtEnvironments.get();
        try (OrtSession.SessionOptions so = sessionOptions(options)) {
            Optional<Path> file = model.length >= fileThreshold ? ModelTaps.spill(model) : Optional.empty();
            if (file.isPresent()) {
                try {
                    return new OrtRunner(env, env.createSession(file.get().toString(), so), "model");
                } catch (OrtException e) {
                    throw new UserException("ONNX Runtime cannot load the model: "
                            + condense(e).replace(file.get().toString(), "the model"));
                } finally {
                    try {
                        Files.deleteIfExists(file.get());
                    } catch (java.io.IOException e) {
                        file.get().toFile().deleteOnExit();
                    }
                }
            }
            return new OrtRunner(env, env.createSession(model, so), "model");
        } catch (OrtException e) {
            throw new UserException("ONNX Runtime cannot load the model: " + condense(e));
        }
    }

    public static OrtRunner open(Path model) {
        return open(model, Options.defaults());
    }

    /**
     * A session over an in-memory model, with {@code taps} (values of the main graph) as extra outputs. From
     * {@link #FILE_THRESHOLD} of inline size the model is written with external data to a private temporary folder,
     * removed when the session closes: weights still in files (the input's external data, a scratch file) are copied
     * file to file, so a multi-GB model is never serialized into one array (which protobuf refuses past 2 GB anyway).
     */
    public static OrtRunner open(dev.onnxpress.ir.Model model, List<String> taps, Options options) {
        if (!runsFromFiles(model)) {
            byte[] bytes = dev.onnxpress.ir.ModelWriter.toBytes(model);
            return open(taps.isEmpty() ? bytes : withTaps(bytes, taps), options);
        }
        Path dir;
        try {
            dir = Files.createTempDirectory("onnxpress-session-",
                    java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                            java.nio.file.attribute.PosixFilePermissions.fromString("rwx------")));
        } catch (java.io.IOException | UnsupportedOperationException e) {
            throw new UserException("cannot create a temporary folder for ONNX Runtime: " + e.getMessage());
        }
        Runnable remove = () -> {
            deleteTree(dir);
            SessionDirs.LIVE.remove(dir);
        };
        SessionDirs.track(dir);
        try {
            Path file = dir.resolve("model.onnx");
            dev.onnxpress.ir.ModelWriter.write(model, file, dev.onnxpress.ir.ModelWriter.Options.external(1024, true));
            if (!taps.isEmpty()) {
                // the graph alone: the weights stay in the data file beside it
                Files.write(file, withTaps(Files.readAllBytes(file), taps));
            }
            // the data files sit beside the model file
            FILE_SESSIONS.incrementAndGet();
            OrtRunner r = open(file, new Options(options.optimization(), options.intraOpThreads(), Optional.empty(),
                    options.optimizedModelPath(), options.saveOrtFormat()));
            // ONNX Runtime has read (or mapped) every initializer by now: the files can go at once
            remove.run();
            return r;
        } catch (java.io.IOException e) {
            remove.run();
            throw new UserException("cannot write a temporary model for ONNX Runtime: " + e.getMessage());
        } catch (RuntimeException | Error e) {
            remove.run();
            throw e;
        }
    }

    /** Sessions {@link #open(dev.onnxpress.ir.Model, List, Options)} opened from files since start-up (tests). */
    public static final java.util.concurrent.atomic.AtomicLong FILE_SESSIONS = new java.util.concurrent.atomic.AtomicLong();

    /** Temporary model folders being written or loaded, removed by a shutdown hook if the JVM exits meanwhile. */
    private static final class SessionDirs {
        static final java.util.Set<Path> LIVE = java.util.concurrent.ConcurrentHashMap.newKeySet();
        private static boolean hooked;

        static synchronized void track(Path dir) {
            LIVE.add(dir);
            if (!hooked) {
                hooked = true;
                Runtime.getRuntime().addShutdownHook(new Thread(() -> LIVE.forEach(OrtRunner::deleteTree),
                        "onnxpress-session-cleanup"));
            }
        }
    }

    /** System property (bytes) that lowers the inline size from which in-memory models run from files (tests). */
    public static final String MODEL_FILES_PROPERTY = "onnxpress.modelFileBytes";

    /**
     * Whether {@link #open(dev.onnxpress.ir.Model, List, Options)} writes {@code model} to files: from
     * {@link #FILE_THRESHOLD} of inline size, or from {@value #MODEL_FILES_PROPERTY} bytes when that is set.
     */
    public static boolean runsFromFiles(dev.onnxpress.ir.Model model) {
        return dev.onnxpress.ir.ModelWriter.estimateInlineBytes(model)
                >= Math.max(0, Long.getLong(MODEL_FILES_PROPERTY, FILE_THRESHOLD));
    }

    private static void deleteTree(Path dir) {
        try (java.util.stream.Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (java.io.IOException | java.io.UncheckedIOException e) {
            dir.toFile().deleteOnExit();
        }
    }

    /** A session over a model file; external data resolves against the file's folder. */
    public static OrtRunner open(Path model, Options options) {
        if (!Files.isRegularFile(model)) {
            throw new UserException("model file not found: " + model);
        }
        OrtEnvironment env = OrtEnvironments.get();
        try (OrtSession.SessionOptions so = sessionOptions(options)) {
            return new OrtRunner(env, env.createSession(model.toString(), so), model.toString());
        } catch (OrtException e) {
            throw new UserException("ONNX Runtime cannot load " + model + ": " + condense(e));
        }
    }

    private static OrtSession.SessionOptions sessionOptions(Options o) throws OrtException {
        OrtSession.SessionOptions so = new OrtSession.SessionOptions();
        try {
            so.setSessionLogLevel(OrtEnvironments.logLevel());
            so.setOptimizationLevel(o.optimization().ort());
            so.setIntraOpNumThreads(o.intraOpThreads());
            so.setInterOpNumThreads(1);
            if (o.externalDataFolder().isPresent()) {
                so.addConfigEntry("session.model_external_initializers_file_folder_path",
                        o.externalDataFolder().get().toAbsolutePath().toString());
            }
            if (o.optimizedModelPath().isPresent()) {
                so.setOptimizedModelFilePath(o.optimizedModelPath().get().toAbsolutePath().toString());
                if (o.saveOrtFormat()) {
                    so.addConfigEntry("session.save_model_format", "ORT");
                }
            }
            return so;
        } catch (OrtException | RuntimeException e) {
            so.close();
            throw e;
        }
    }

    private static List<IoInfo> ioInfos(Map<String, NodeInfo> infos) {
        List<IoInfo> out = new ArrayList<>(infos.size());
        for (NodeInfo n : infos.values()) {
            ValueInfo v = n.getInfo();
            if (v instanceof TensorInfo t) {
                DataType type = OrtTensors.dataType(t.onnxType);
                long[] shape = t.getShape();
                String[] names = t.getDimensionNames();
                List<String> dimNames = new ArrayList<>(shape.length);
                for (int i = 0; i < shape.length; i++) {
                    dimNames.add(names != null && i < names.length && names[i] != null ? names[i] : "");
                }
                out.add(new IoInfo(n.getName(), type, shape, dimNames));
            } else {
                out.add(new IoInfo(n.getName(), DataType.UNDEFINED, new long[0]));
            }
        }
        return List.copyOf(out);
    }

    // ---------------------------------------------------------------- introspection

    public List<IoInfo> inputs() {
        return inputs;
    }

    public List<IoInfo> outputs() {
        return outputs;
    }

    public Optional<IoInfo> input(String name) {
        return Optional.ofNullable(inputsByName.get(name));
    }

    public Optional<IoInfo> output(String name) {
        return outputs.stream().filter(o -> o.name().equals(name)).findFirst();
    }

    public List<String> outputNames() {
        return outputs.stream().map(IoInfo::name).toList();
    }

    // ---------------------------------------------------------------- running

    /** All outputs, in the model's order. */
    public Map<String, Tensor> run(Map<String, Tensor> feeds) {
        return run(feeds, outputNames());
    }

    /** The named outputs, in the order asked for. */
    public Map<String, Tensor> run(Map<String, Tensor> feeds, List<String> outputNames) {
        return withFeeds(feeds, outputNames, ortFeeds -> runOnce(ortFeeds, outputNames));
    }

    /** What a run does with the feeds once they are ORT tensors. */
    private interface OrtCall<T> {
        T call(Map<String, OnnxTensor> ortFeeds) throws OrtException;
    }

    /**
     * Checks the feeds and output names, hands the feeds as ORT tensors to {@code call} and closes them
     * after; an ORT failure becomes a one-line error.
     */
    private <T> T withFeeds(Map<String, Tensor> feeds, List<String> outputNames, OrtCall<T> call) {
        stopIfInterrupted();
        checkOutputs(outputNames);
        checkFeeds(feeds);
        Map<String, OnnxTensor> ortFeeds = new LinkedHashMap<>();
        try {
            for (Map.Entry<String, Tensor> f : feeds.entrySet()) {
                ortFeeds.put(f.getKey(), OrtTensors.toOrt(env, f.getValue(), "input '" + f.getKey() + "'"));
            }
            return call.call(ortFeeds);
        } catch (OrtException e) {
            throw new UserException("ONNX Runtime failed to run " + source + ": " + condense(e));
        } finally {
            ortFeeds.values().forEach(OnnxTensor::close);
        }
    }

    /**
     * A thread whose work was abandoned (interrupted: {@code tune} at its time limit) stops at its next run
     * instead of computing what nobody will read.
     */
    private static void stopIfInterrupted() {
        if (Thread.currentThread().isInterrupted()) {
            throw new java.util.concurrent.CancellationException("interrupted: the run was abandoned");
        }
    }

    private Map<String, Tensor> runOnce(Map<String, OnnxTensor> feeds, List<String> outputNames) throws OrtException {
        try (OrtSession.Result result = session.run(feeds, new LinkedHashSet<>(outputNames))) {
            Map<String, Tensor> out = new LinkedHashMap<>();
            for (String name : outputNames) {
                OnnxValue v = result.get(name).orElseThrow(() -> new InternalException(
                        "ONNX Runtime returned no value for output '" + name + "'", null));
                if (!(v instanceof OnnxTensor t)) {
                    throw new UserException("output '" + name + "' is a " + v.getType().name().toLowerCase()
                            .replace("onnx_type_", "") + ", not a tensor; onnxpress compares tensor outputs only");
                }
                out.put(name, OrtTensors.fromOrt(t, name));
            }
            return out;
        }
    }

    /** Receives one output of a run as floats; {@code values} is valid only during the call. */
    public interface FloatSink {
        void accept(String name, DataType type, long[] dims, java.nio.FloatBuffer values);
    }

    /**
     * Runs once and hands each named output to {@code sink} as floats, one at a time, instead of
     * returning Java copies of all of them: a float output is read with one copy (ORT's), which is
     * garbage as soon as the sink returns. Other numeric outputs are converted to floats; strings are
     * skipped. Returns the bytes ORT produced for the outputs (their element counts × element sizes).
     */
    public long runFloats(Map<String, Tensor> feeds, List<String> outputNames, FloatSink sink) {
        return withFeeds(feeds, outputNames, ortFeeds -> {
            long bytes = 0;
            try (OrtSession.Result result = session.run(ortFeeds, new LinkedHashSet<>(outputNames))) {
                for (String name : outputNames) {
                    OnnxValue v = result.get(name).orElseThrow(() -> new InternalException(
                            "ONNX Runtime returned no value for output '" + name + "'", null));
                    if (!(v instanceof OnnxTensor t)) {
                        continue;
                    }
                    TensorInfo info = t.getInfo();
                    DataType type = OrtTensors.dataType(info.onnxType);
                    long[] dims = info.getShape();
                    if (type == DataType.STRING || !OrtTensors.supported(type)) {
                        continue;
                    }
                    bytes += type.byteSize(Tensor.elementCount(dims));
                    java.nio.FloatBuffer values = type == DataType.FLOAT ? floatView(t)
                            : java.nio.FloatBuffer.wrap(OrtTensors.fromOrt(t, name).toFloatArray());
                    sink.accept(name, type, dims, values);
                }
            }
            return bytes;
        });
    }

    /**
     * ORT's Java API copies a tensor's data onto the heap for every read ({@code getFloatBuffer}); its private
     * {@code getBuffer()} is a direct view of the native data, valid until the tensor is closed. Taps of a
     * large model are hundreds of MB a run: reading them through the view keeps that garbage off the heap
     * (the heap would otherwise grow with the number of runs). Empty when this ORT version has no such
     * method, and the copy is used.
     */
    private static final Optional<java.lang.invoke.MethodHandle> DIRECT_VIEW = directView();

    private static Optional<java.lang.invoke.MethodHandle> directView() {
        try {
            java.lang.reflect.Method m = OnnxTensor.class.getDeclaredMethod("getBuffer");
            if (!java.nio.ByteBuffer.class.equals(m.getReturnType())) {
                return Optional.empty();
            }
            m.setAccessible(true);
            return Optional.of(java.lang.invoke.MethodHandles.lookup().unreflect(m));
        } catch (ReflectiveOperationException | RuntimeException e) {
            return Optional.empty();
        }
    }

    private static java.nio.FloatBuffer floatView(OnnxTensor t) {
        if (DIRECT_VIEW.isPresent()) {
            try {
                java.nio.ByteBuffer b = (java.nio.ByteBuffer) DIRECT_VIEW.get().invoke(t);
                if (b != null && b.isDirect()) {
                    return b.order(java.nio.ByteOrder.nativeOrder()).asFloatBuffer().asReadOnlyBuffer();
                }
            } catch (Throwable e) {
                // fall through to the copy
            }
        }
        return t.getFloatBuffer();
    }

    /**
     * Runs every feed map in turn (one ORT run each) and returns their outputs in the same order;
     * {@code listener} hears after each run (total known when {@code batches} is a Collection).
     */
    public List<Map<String, Tensor>> runAll(Iterable<Map<String, Tensor>> batches, List<String> outputNames,
                                            ProgressListener listener) {
        long total = batches instanceof Collection<?> c ? c.size() : -1;
        List<Map<String, Tensor>> out = new ArrayList<>();
        long done = 0;
        for (Map<String, Tensor> feeds : batches) {
            out.add(run(feeds, outputNames));
            listener.progress(++done, total);
        }
        return out;
    }

    /**
     * Latency of one run on {@code feeds}: {@code warmup} untimed runs, then {@code iterations} timed ones.
     * Input conversion happens once, outside the timing; fetching the outputs is inside it.
     */
    public LatencyStats measureLatency(Map<String, Tensor> feeds, int warmup, int iterations) {
        if (iterations < 1 || warmup < 0) {
            throw new IllegalArgumentException("warmup " + warmup + ", iterations " + iterations);
        }
        checkFeeds(feeds);
        Map<String, OnnxTensor> ortFeeds = new LinkedHashMap<>();
        try {
            for (Map.Entry<String, Tensor> f : feeds.entrySet()) {
                ortFeeds.put(f.getKey(), OrtTensors.toOrt(env, f.getValue(), "input '" + f.getKey() + "'"));
            }
            for (int i = 0; i < warmup; i++) {
                session.run(ortFeeds).close();
            }
            long[] nanos = new long[iterations];
            for (int i = 0; i < iterations; i++) {
                long t0 = System.nanoTime();
                session.run(ortFeeds).close();
                nanos[i] = System.nanoTime() - t0;
            }
            return LatencyStats.ofNanos(nanos);
        } catch (OrtException e) {
            throw new UserException("ONNX Runtime failed to run " + source + ": " + condense(e));
        } finally {
            ortFeeds.values().forEach(OnnxTensor::close);
        }
    }

    /**
     * A run of this session on fixed inputs, converted to ORT tensors once, so repeated timed runs measure
     * the session and nothing else ({@link PairedLatency}). Close it before the runner.
     */
    public Timer timer(Map<String, Tensor> feeds) {
        return timer(List.of(feeds));
    }

    /**
     * A timer that runs {@code samples} in turn, one per run (see {@link Timer#cycle()}): the time of a model
     * whose work depends on its input (early exits) is then the mean over these samples, not one sample's path.
     */
    public Timer timer(List<Map<String, Tensor>> samples) {
        if (samples.isEmpty()) {
            throw new IllegalArgumentException("no samples to time");
        }
        List<Map<String, OnnxTensor>> all = new ArrayList<>();
        try {
            for (Map<String, Tensor> feeds : samples) {
                checkFeeds(feeds);
                Map<String, OnnxTensor> ortFeeds = new LinkedHashMap<>();
                all.add(ortFeeds);
                for (Map.Entry<String, Tensor> f : feeds.entrySet()) {
                    ortFeeds.put(f.getKey(), OrtTensors.toOrt(env, f.getValue(), "input '" + f.getKey() + "'"));
                }
            }
        } catch (OrtException e) {
            all.forEach(m -> m.values().forEach(OnnxTensor::close));
            throw new UserException("ONNX Runtime rejected the inputs of " + source + ": " + condense(e));
        } catch (RuntimeException e) {
            all.forEach(m -> m.values().forEach(OnnxTensor::close));
            throw e;
        }
        return new Timer(all);
    }

    /** See {@link #timer}. */
    public final class Timer implements AutoCloseable {
        private final List<Map<String, OnnxTensor>> feeds;
        private int next;

        private Timer(List<Map<String, OnnxTensor>> feeds) {
            this.feeds = feeds;
        }

        /** How many different samples the timer runs in turn (1: always the same). */
        public int cycle() {
            return feeds.size();
        }

        /**
         * Runs the session {@code times} times back to back, each on the next sample in turn; returns the wall
         * time of all, in nanoseconds.
         */
        public long runNanos(int times) {
            try {
                long t0 = System.nanoTime();
                for (int i = 0; i < times; i++) {
                    session.run(feeds.get(next)).close();
                    next = (next + 1) % feeds.size();
                }
                return System.nanoTime() - t0;
            } catch (OrtException e) {
                throw new UserException("ONNX Runtime failed to run " + source + ": " + condense(e));
            }
        }

        @Override
        public void close() {
            feeds.forEach(m -> m.values().forEach(OnnxTensor::close));
        }
    }

    // ---------------------------------------------------------------- checks

    private void checkOutputs(List<String> names) {
        if (names.isEmpty()) {
            throw new IllegalArgumentException("no outputs requested");
        }
        for (String n : names) {
            if (output(n).isEmpty()) {
                throw new UserException("the model has no output '" + n + "'; its outputs are "
                        + String.join(", ", outputNames()));
            }
        }
        if (new LinkedHashSet<>(names).size() != names.size()) {
            throw new IllegalArgumentException("output requested twice in " + names);
        }
    }

    /** Each model input fed once, with its element type, rank and fixed dimensions. */
    void checkFeeds(Map<String, Tensor> feeds) {
        for (String name : feeds.keySet()) {
            if (!inputsByName.containsKey(name)) {
                throw new UserException("'" + name + "' is not an input of the model; its inputs are "
                        + String.join(", ", inputsByName.keySet()));
            }
        }
        for (IoInfo in : inputs) {
            Tensor t = feeds.get(in.name());
            if (t == null) {
                throw new UserException("no value given for model input '" + in.name() + "' (" + in.describe() + ")");
            }
            if (!fits(in, t)) {
                throw new UserException("input '" + in.name() + "' expects " + in.describe() + " but got "
                        + t.dataType().displayName() + " " + IoInfo.dimsText(t.dims()));
            }
        }
    }

    static boolean fits(IoInfo in, Tensor t) {
        if (t.dataType() != in.type() || t.rank() != in.rank()) {
            return false;
        }
        long[] shape = in.shape();
        for (int i = 0; i < shape.length; i++) {
            if (shape[i] >= 0 && shape[i] != t.dim(i)) {
                return false;
            }
        }
        return true;
    }

    // ---------------------------------------------------------------- taps

    /**
     * The model with {@code valueNames} added as graph outputs, so a run can fetch intermediate values.
     * See {@link ModelTaps}.
     */
    public static byte[] withTaps(byte[] modelBytes, List<String> valueNames) {
        return ModelTaps.withTaps(modelBytes, valueNames);
    }

    // ---------------------------------------------------------------- errors

    /**
     * ORT's message on one line: without the "Error code - … - message - " frame, whitespace collapsed,
     * at most 500 characters.
     */
    static String condense(OrtException e) {
        String m = e.getMessage() == null ? e.getCode().name() : e.getMessage();
        int frame = m.indexOf(" - message - ");
        if (m.startsWith("Error code - ") && frame >= 0) {
            m = m.substring(frame + " - message - ".length());
        }
        m = m.replaceAll("\\s+", " ").trim();
        return m.length() <= 500 ? m : m.substring(0, 497) + "...";
    }

    /** Where this session's model came from ("model" when opened from bytes). */
    public String source() {
        return source;
    }

    @Override
    public void close() {
        try {
            session.close();
        } catch (OrtException e) {
            throw new InternalException("cannot close ONNX Runtime session: " + condense(e), e);
        }
    }

    @Override
    public String toString() {
        return "OrtRunner(" + source + ", inputs " + inputs + ", outputs " + outputs + ")";
    }
}
