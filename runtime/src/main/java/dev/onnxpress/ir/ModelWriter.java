package dev.onnxpress.ir;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.UnknownFieldSet;
import com.google.protobuf.UnsafeByteOperations;
import dev.onnxpress.error.InternalException;
import dev.onnxpress.error.UserException;
import dev.onnxpress.proto.Onnx;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Writes the IR as an ONNX file. Untouched tensors are written as the exact message they were read
 * from. Output files (model and external data) are written to temporary files in the target folder
 * and moved into place only when complete, so a failure never leaves a half-written model.
 *
 * <p>One protobuf message cannot exceed 2 GB: sizes are summed as {@code long}, and tensors move to
 * external data before the model message could reach the limit.
 */
public final class ModelWriter {
    /** Inline size we allow one model message to reach (2 GB less a margin for the graph itself). */
    static final long INLINE_LIMIT = (1L << 31) - (1L << 26);
    /** Tensors at least this large are aligned in external files so runtimes can map them. */
    private static final long ALIGN_LARGE = 1 << 20;

    public enum ExternalMode {
        /**
         * Keep tensors where they are (inline or external); when the model would not fit in one file
         * (2 GB), every tensor of at least the threshold goes to external data.
         */
        AUTO,
        /** Everything inline; a model too large for one file is an error. */
        INLINE,
        /** Tensors of at least {@code threshold} bytes go to external data. */
        EXTERNAL
    }

    /** How tensors are placed. {@code singleFile}: one data file beside the model, else one per tensor. */
    public record Options(ExternalMode mode, long threshold, boolean singleFile) {
        public static Options defaults() {
            return new Options(ExternalMode.AUTO, 1024, true);
        }

        public static Options inline() {
            return new Options(ExternalMode.INLINE, Long.MAX_VALUE, true);
        }

        public static Options external(long threshold, boolean singleFile) {
            return new Options(ExternalMode.EXTERNAL, threshold, singleFile);
        }
    }

    /** What was written: the model file, its external data files, their sizes. */
    public record Written(Path model, List<Path> dataFiles, long totalBytes) {
    }

    private final Options options;
    private final Set<Tensor> externalize = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
    private final Path folder;
    private final String baseName;
    private final List<DataFile> dataFiles = new ArrayList<>();
    private final Set<String> usedFileNames = new HashSet<>();

    private final TargetGuard guard;

    private ModelWriter(Options options, Path folder, String baseName) {
        this(options, folder, baseName, TargetGuard.NONE);
    }

    private ModelWriter(Options options, Path folder, String baseName, TargetGuard guard) {
        this.guard = guard;
        this.options = options;
        this.folder = folder;
        this.baseName = baseName;
    }

    /**
     * Called with every file the writer is about to create (the model, then each external data file) before
     * anything is written there; throws (a {@link UserException}) to refuse the target.
     */
    @FunctionalInterface
    public interface TargetGuard {
        TargetGuard NONE = (target, dataFile) -> { };

        void check(Path target, boolean dataFile);
    }

    /** Writes with the placement the model requests ({@link Model#writeOptions()}), else the defaults. */
    public static Written write(Model m, Path out) {
        return write(m, out, m.writeOptions().orElse(Options.defaults()));
    }

    public static Written write(Model m, Path out, Options options) {
        return write(m, out, options, TargetGuard.NONE);
    }

    public static Written write(Model m, Path out, Options options, TargetGuard guard) {
        try (Pending p = prepare(m, out, options, guard)) {
            return p.commit();
        }
    }

    /**
     * Writes every file of the model under a temporary name and stops there: {@link Pending#commit()} moves
     * them into place, closing without a commit deletes them. Lets a caller write other outputs (reports)
     * first and commit all or nothing.
     */
    public static Pending prepare(Model m, Path out, Options options, TargetGuard guard) {
        Path abs = out.toAbsolutePath();
        Path folder = abs.getParent();
        if (folder == null) {
            throw new UserException(out + ": not a file path");
        }
        try {
            if (!Files.isDirectory(folder)) {
                Files.createDirectories(folder);
            }
        } catch (IOException e) {
            throw new UserException(out + ": cannot create output folder " + folder + " (" + e.getMessage() + ")");
        }
        if (Files.isDirectory(abs)) {
            throw new UserException(out + ": is a folder; give a file name for the model");
        }
        guard.check(abs, false);
        ModelWriter w = new ModelWriter(options, folder, abs.getFileName().toString(), guard);
        w.plan(m);
        Path tmp = null;
        boolean done = false;
        try {
            Onnx.ModelProto proto = w.toProto(m);
            tmp = AtomicFiles.createTemp(folder, w.baseName);
            int size = proto.getSerializedSize();
            long total;
            if (size >= 0 && size <= REUSED_BUFFER_LIMIT) {
                // serialized whole, then one write: no stream buffers to fill and copy through
                ByteBuffer buf = serialize(proto, size);
                try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                    while (buf.hasRemaining()) {
                        ch.write(buf);
                    }
                }
                total = size;
            } else {
                try (OutputStream os = new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 20)) {
                    CodedOutputStream cos = CodedOutputStream.newInstance(os, 1 << 16);
                    proto.writeTo(cos);
                    cos.flush();
                }
                total = Files.size(tmp);
            }
            for (DataFile f : w.dataFiles) {
                f.channel.force(false);
                f.channel.close();
                total += Files.size(f.tmp);
            }
            done = true;
            return new Pending(w, tmp, abs, total, out);
        } catch (IOException e) {
            throw new UserException(out + ": cannot write (" + e.getMessage() + ")", e);
        } finally {
            if (!done) {
                w.cleanup(tmp);
            }
        }
    }

    /** A model written to temporary files, not yet in place. */
    public static final class Pending implements AutoCloseable {
        private final ModelWriter writer;
        private final Path tmp;
        private final Path target;
        private final long totalBytes;
        private final Path shown;
        private boolean finished;

        private Pending(ModelWriter writer, Path tmp, Path target, long totalBytes, Path shown) {
            this.writer = writer;
            this.tmp = tmp;
            this.target = target;
            this.totalBytes = totalBytes;
            this.shown = shown;
        }

        /** The temporary file holding the model (same bytes the target will have). */
        public Path modelTemp() {
            return tmp;
        }

        public Path target() {
            return target;
        }

        public long totalBytes() {
            return totalBytes;
        }

        /** The external data files this write will create. */
        public List<Path> dataTargets() {
            return writer.dataFiles.stream().map(f -> f.target).toList();
        }

        /** Moves the data files, then the model, into place. */
        public Written commit() {
            if (finished) {
                throw new IllegalStateException("already committed or closed");
            }
            try {
                List<Path> data = new ArrayList<>();
                for (DataFile f : writer.dataFiles) {
                    AtomicFiles.moveIntoPlace(f.tmp, f.target);
                    data.add(f.target);
                }
                AtomicFiles.moveIntoPlace(tmp, target);
                finished = true;
                return new Written(target, List.copyOf(data), totalBytes);
            } catch (IOException e) {
                throw new UserException(shown + ": cannot write (" + e.getMessage() + ")", e);
            } finally {
                if (!finished) {
                    close();
                }
            }
        }

        /** Deletes what was not committed. */
        @Override
        public void close() {
            if (!finished) {
                finished = true;
                writer.cleanup(tmp);
            }
        }
    }

    /**
     * Native memory kept per writing thread: models up to {@link #REUSED_BUFFER_LIMIT} are serialized into it
     * and written at once (a file channel writes it without the copy into its own native buffer that a heap
     * array needs, and no model-sized array is allocated and zeroed per write); larger ones are streamed.
     */
    private static final ThreadLocal<ByteBuffer> REUSED_BUFFER = new ThreadLocal<>();
    private static final int REUSED_BUFFER_LIMIT = 16 << 20;

    private static ByteBuffer serialize(Onnx.ModelProto proto, int size) throws IOException {
        ByteBuffer buf = REUSED_BUFFER.get();
        if (buf == null || buf.capacity() < size) {
            buf = ByteBuffer.allocateDirect(Math.min(REUSED_BUFFER_LIMIT, Math.max(size, 2 * (buf == null ? 0 : buf.capacity()))));
            REUSED_BUFFER.set(buf);
        }
        buf.clear().limit(size);
        CodedOutputStream cos = CodedOutputStream.newInstance(buf);
        proto.writeTo(cos);
        cos.flush();
        cos.checkNoSpaceLeft();
        buf.flip();
        return buf;
    }

    /** The model as one in-memory file, every tensor inline (external tensors are read in). */
    public static byte[] toBytes(Model m) {
        Onnx.ModelProto proto = inlineProto(m);
        long size = proto.getSerializedSize();
        if (size < 0 || size > Integer.MAX_VALUE - 8) {
            throw new UserException("model is too large to hold in memory as one file; write it with external data");
        }
        // serialized straight into an array of the exact size: one model-sized allocation, not two
        byte[] out = new byte[(int) size];
        try {
            CodedOutputStream cos = CodedOutputStream.newInstance(out);
            proto.writeTo(cos);
            cos.checkNoSpaceLeft();
        } catch (IOException e) {
            throw new InternalException("cannot serialize model", e);
        }
        return out;
    }

    /** The model as a protobuf message with every tensor inline (external tensors are read in). */
    private static Onnx.ModelProto inlineProto(Model m) {
        ModelWriter w = new ModelWriter(Options.inline(), null, "model.onnx");
        w.plan(m);
        return w.toProto(m);
    }

    /** Bytes the model would take inline (tensor data plus a rough size of everything else). */
    public static long estimateInlineBytes(Model m) {
        long total = 0;
        for (Tensor t : allTensors(m)) {
            total += t.dataType() == DataType.STRING ? t.byteSize() + 4 * t.elementCount() : t.byteSize();
        }
        return total + 64L * countNodes(m.graph());
    }

    private static long countNodes(Graph g) {
        return g.allNodes().size();
    }

    private static List<Tensor> allTensors(Model m) {
        List<Tensor> out = new ArrayList<>();
        for (Graph g : m.graph().allGraphs()) {
            out.addAll(g.initializers.values());
            for (Node n : g.nodeList()) {
                for (Attr a : n.attrs.values()) {
                    if (a.kind() == Attr.Kind.TENSOR) {
                        out.add(a.t());
                    } else if (a.kind() == Attr.Kind.TENSORS) {
                        out.addAll(a.tensors());
                    }
                }
            }
        }
        return out;
    }

    /** Decides which tensors go to external data. */
    private void plan(Model m) {
        List<Tensor> tensors = allTensors(m);
        long inline = 64L * countNodes(m.graph());
        for (Tensor t : tensors) {
            boolean ext = switch (options.mode()) {
                case INLINE -> false;
                case EXTERNAL -> t.byteSize() >= options.threshold() && t.dataType() != DataType.STRING;
                case AUTO -> t.externalLocation().isPresent();
            };
            if (ext) {
                externalize.add(t);
            } else {
                inline += t.byteSize();
            }
        }
        if (inline > INLINE_LIMIT) {
            if (options.mode() == ExternalMode.INLINE) {
                throw new UserException("model holds " + inline + " bytes of weights inline, more than one ONNX file"
                        + " can hold (2 GB); write it with external data");
            }
            // too large for one file: every tensor above the threshold goes external, as for EXTERNAL mode
            for (Tensor t : tensors) {
                if (t.dataType() != DataType.STRING && t.byteSize() >= Math.min(options.threshold(), 1024)) {
                    externalize.add(t);
                }
            }
        }
    }

    // ---------------------------------------------------------------- IR → protobuf

    private Onnx.ModelProto toProto(Model m) {
        Onnx.ModelProto.Builder b = Onnx.ModelProto.newBuilder();
        if (m.hasIrVersion) {
            b.setIrVersion(m.irVersion);
        }
        for (Map.Entry<String, Long> e : m.opsets.entrySet()) {
            Onnx.OperatorSetIdProto.Builder op = Onnx.OperatorSetIdProto.newBuilder().setVersion(e.getValue());
            if (!(e.getKey().isEmpty() && m.opsetDomainAbsent.contains(""))) {
                op.setDomain(e.getKey());
            }
            b.addOpsetImport(op);
        }
        if (!m.producerName.isEmpty()) {
            b.setProducerName(m.producerName);
        }
        if (!m.producerVersion.isEmpty()) {
            b.setProducerVersion(m.producerVersion);
        }
        if (!m.domain.isEmpty()) {
            b.setDomain(m.domain);
        }
        if (m.hasModelVersion) {
            b.setModelVersion(m.modelVersion);
        }
        if (!m.docString.isEmpty()) {
            b.setDocString(m.docString);
        }
        b.setGraph(graph(m.graph));
        for (Map.Entry<String, String> e : m.metadata.entrySet()) {
            b.addMetadataProps(entry(e));
        }
        try {
            for (byte[] t : m.trainingInfo) {
                b.addTrainingInfo(Onnx.TrainingInfoProto.parseFrom(t));
            }
            for (byte[] f : m.functions) {
                b.addFunctions(Onnx.FunctionProto.parseFrom(f));
            }
            if (m.unknownFields.length > 0) {
                b.setUnknownFields(UnknownFieldSet.parseFrom(m.unknownFields));
            }
        } catch (IOException e) {
            throw new InternalException("cannot re-encode kept model parts", e);
        }
        return b.build();
    }

    private Onnx.GraphProto graph(Graph g) {
        Onnx.GraphProto.Builder b = Onnx.GraphProto.newBuilder();
        for (Node n : g.nodes()) {
            b.addNode(node(n));
        }
        if (!g.name().isEmpty()) {
            b.setName(g.name());
        }
        for (Map.Entry<Value, Tensor> e : g.initializers.entrySet()) {
            b.addInitializer(tensor(e.getValue(), e.getKey().name()));
        }
        try {
            for (byte[] s : g.sparseInitializers.values()) {
                b.addSparseInitializer(Onnx.SparseTensorProto.parseFrom(s));
            }
            for (byte[] q : g.quantizationAnnotations) {
                b.addQuantizationAnnotation(Onnx.TensorAnnotation.parseFrom(q));
            }
            if (g.unknownFields.length > 0) {
                b.setUnknownFields(UnknownFieldSet.parseFrom(g.unknownFields));
            }
        } catch (IOException e) {
            throw new InternalException("cannot re-encode kept graph parts", e);
        }
        if (!g.docString().isEmpty()) {
            b.setDocString(g.docString());
        }
        for (Value v : g.inputs) {
            b.addInput(valueInfo(v));
        }
        for (Value v : g.outputs) {
            b.addOutput(valueInfo(v));
        }
        Set<Node> nodes = Graph.identitySet(g.nodeList());
        Set<Value> io = Graph.identitySet(g.inputs);
        io.addAll(g.outputs);
        for (Value v : g.valueInfo) {
            boolean alive = v.producer != null && v.producer.graph == g && nodes.contains(v.producer)
                    || g.initializers.containsKey(v);
            if (alive && v.type().isPresent() && !io.contains(v)) {
                b.addValueInfo(valueInfo(v));
            }
        }
        for (Map.Entry<String, String> e : g.metadata.entrySet()) {
            b.addMetadataProps(entry(e));
        }
        return b.build();
    }

    private static Onnx.ValueInfoProto valueInfo(Value v) {
        if (v.origin instanceof Onnx.ValueInfoProto o && v.type().orElse(null) == v.typeAsRead
                && o.getName().equals(v.name()) && o.getDocString().equals(v.docString())
                && o.getMetadataPropsCount() == v.metadata().size()) {
            return o;
        }
        Onnx.ValueInfoProto.Builder b = Onnx.ValueInfoProto.newBuilder().setName(v.name());
        v.type().ifPresent(t -> {
            if (!(t instanceof ValueType.Unspecified)) {
                b.setType(ProtoTypes.toProto(t));
            }
        });
        if (!v.docString().isEmpty()) {
            b.setDocString(v.docString());
        }
        for (Map.Entry<String, String> e : v.metadata().entrySet()) {
            b.addMetadataProps(entry(e));
        }
        return b.build();
    }

    private Onnx.NodeProto node(Node n) {
        Onnx.NodeProto.Builder b = Onnx.NodeProto.newBuilder();
        for (Value v : n.inputs) {
            b.addInput(v.name());
        }
        for (Value v : n.outputs) {
            b.addOutput(v.name());
        }
        if (!n.name().isEmpty()) {
            b.setName(n.name());
        }
        b.setOpType(n.opType());
        if (!n.domain().isEmpty()) {
            b.setDomain(n.domain());
        }
        if (!n.overload().isEmpty()) {
            b.setOverload(n.overload());
        }
        for (Map.Entry<String, Attr> e : n.attrs.entrySet()) {
            b.addAttribute(attr(e.getKey(), e.getValue()));
        }
        if (!n.docString().isEmpty()) {
            b.setDocString(n.docString());
        }
        for (Map.Entry<String, String> e : n.metadata().entrySet()) {
            b.addMetadataProps(entry(e));
        }
        if (n.unknownFields.length > 0) {
            try {
                b.setUnknownFields(UnknownFieldSet.parseFrom(n.unknownFields));
            } catch (IOException e) {
                throw new InternalException("cannot re-encode kept node fields", e);
            }
        }
        return b.build();
    }

    @SuppressWarnings("unchecked")
    private Onnx.AttributeProto attr(String name, Attr a) {
        if (a.kind() == Attr.Kind.UNDEFINED) {
            try {
                return Onnx.AttributeProto.parseFrom((byte[]) a.payload()).toBuilder().setName(name).build();
            } catch (IOException e) {
                throw new InternalException("cannot re-encode attribute " + name, e);
            }
        }
        Onnx.AttributeProto.Builder b = Onnx.AttributeProto.newBuilder().setName(name)
                .setType(Onnx.AttributeProto.AttributeType.forNumber(a.kind().code()));
        if (!a.refAttrName().isEmpty()) {
            b.setRefAttrName(a.refAttrName());
        }
        if (!a.docString().isEmpty()) {
            b.setDocString(a.docString());
        }
        try {
            switch (a.kind()) {
                case FLOAT -> b.setF(a.f());
                case INT -> b.setI(a.i());
                case STRING -> b.setS(ByteString.copyFrom((byte[]) a.payload()));
                case TENSOR -> b.setT(tensor(a.t(), a.t().name()));
                case GRAPH -> b.setG(graph(a.g()));
                case SPARSE_TENSOR -> b.setSparseTensor(Onnx.SparseTensorProto.parseFrom((byte[]) a.payload()));
                case TYPE -> b.setTp(ProtoTypes.toProto((ValueType) a.payload()));
                case FLOATS -> {
                    for (float f : (float[]) a.payload()) {
                        b.addFloats(f);
                    }
                }
                case INTS -> {
                    for (long l : (long[]) a.payload()) {
                        b.addInts(l);
                    }
                }
                case STRINGS -> {
                    for (byte[] s : a.byteStrings()) {
                        b.addStrings(ByteString.copyFrom(s));
                    }
                }
                case TENSORS -> {
                    for (Tensor t : a.tensors()) {
                        b.addTensors(tensor(t, t.name()));
                    }
                }
                case GRAPHS -> {
                    for (Graph sg : a.graphs()) {
                        b.addGraphs(graph(sg));
                    }
                }
                case SPARSE_TENSORS -> {
                    for (byte[] s : (List<byte[]>) a.payload()) {
                        b.addSparseTensors(Onnx.SparseTensorProto.parseFrom(s));
                    }
                }
                case TYPES -> {
                    for (ValueType t : (List<ValueType>) a.payload()) {
                        b.addTypeProtos(ProtoTypes.toProto(t));
                    }
                }
                default -> {
                }
            }
        } catch (IOException e) {
            throw new InternalException("cannot re-encode attribute " + name, e);
        }
        return b.build();
    }

    private Onnx.TensorProto tensor(Tensor t, String name) {
        TensorData data = t.data();
        if (externalize.contains(t)) {
            return externalTensor(t, name);
        }
        if (data instanceof TensorData.Proto p && p.proto().getDataLocation() != Onnx.TensorProto.DataLocation.EXTERNAL) {
            Onnx.TensorProto proto = p.proto();
            if (sameDims(proto, t)) {
                return proto.getName().equals(name) ? proto : proto.toBuilder().setName(name).build();
            }
            // reshaped: the data is untouched but the header must say the new dims
        }
        Onnx.TensorProto.Builder b = header(t, name);
        if (t.dataType() == DataType.STRING) {
            for (byte[] s : t.strings()) {
                b.addStringData(UnsafeByteOperations.unsafeWrap(s));
            }
        } else {
            byte[] raw = data instanceof TensorData.Raw r ? r.bytes() : t.rawBytes();
            b.setRawData(UnsafeByteOperations.unsafeWrap(raw));
        }
        return b.build();
    }

    private static boolean sameDims(Onnx.TensorProto proto, Tensor t) {
        long[] dims = t.dims();
        if (proto.getDimsCount() != dims.length) {
            return false;
        }
        for (int i = 0; i < dims.length; i++) {
            if (proto.getDims(i) != dims[i]) {
                return false;
            }
        }
        return true;
    }

    private static Onnx.TensorProto.Builder header(Tensor t, String name) {
        Onnx.TensorProto.Builder b = Onnx.TensorProto.newBuilder();
        for (long d : t.dims()) {
            b.addDims(d);
        }
        b.setDataType(t.dataType().code());
        if (!name.isEmpty()) {
            b.setName(name);
        }
        if (t.data() instanceof TensorData.Proto p && !p.proto().getDocString().isEmpty()) {
            b.setDocString(p.proto().getDocString());
        }
        return b;
    }

    // ---------------------------------------------------------------- external data

    private static final class DataFile {
        final Path target;
        final Path tmp;
        final FileChannel channel;
        long size;

        DataFile(Path target, Path tmp) throws IOException {
            this.target = target;
            this.tmp = tmp;
            this.channel = FileChannel.open(tmp, StandardOpenOption.WRITE);
        }
    }

    private Onnx.TensorProto externalTensor(Tensor t, String name) {
        if (folder == null) {
            throw new InternalException("external data requested for an in-memory model", null);
        }
        try {
            DataFile f = dataFileFor(name);
            long length = t.byteSize();
            long align = length >= ALIGN_LARGE ? 4096 : 64;
            long offset = (f.size + align - 1) / align * align;
            Path srcFile = t.data() instanceof TensorData.External ext ? ext.file()
                    : t.data() instanceof TensorData.Spilled sp ? sp.file() : null;
            if (srcFile != null) {
                long srcOffset = t.data() instanceof TensorData.External ext ? ext.offset()
                        : ((TensorData.Spilled) t.data()).offset();
                // file to file: the bytes never pass through the heap
                try (FileChannel src = FileChannel.open(srcFile, StandardOpenOption.READ)) {
                    long done = 0;
                    while (done < length) {
                        long n = src.transferTo(srcOffset + done, length - done, f.channel.position(offset + done));
                        if (n <= 0) {
                            throw new IOException("external data file " + srcFile + " ended early");
                        }
                        done += n;
                    }
                }
            } else {
                byte[] raw = t.data() instanceof TensorData.Raw r ? r.bytes() : t.rawBytes();
                ByteBuffer buf = ByteBuffer.wrap(raw);
                long pos = offset;
                while (buf.hasRemaining()) {
                    pos += f.channel.write(buf, pos);
                }
            }
            f.size = offset + length;
            Onnx.TensorProto.Builder b = header(t, name);
            b.setDataLocation(Onnx.TensorProto.DataLocation.EXTERNAL);
            b.addExternalData(Onnx.StringStringEntryProto.newBuilder().setKey("location")
                    .setValue(f.target.getFileName().toString()));
            b.addExternalData(Onnx.StringStringEntryProto.newBuilder().setKey("offset").setValue(Long.toString(offset)));
            b.addExternalData(Onnx.StringStringEntryProto.newBuilder().setKey("length").setValue(Long.toString(length)));
            return b.build();
        } catch (IOException e) {
            throw new UserException("cannot write external data for tensor '" + name + "' (" + e.getMessage() + ")", e);
        }
    }

    private DataFile dataFileFor(String tensorName) throws IOException {
        if (options.singleFile() && !dataFiles.isEmpty()) {
            return dataFiles.get(0);
        }
        String fileName;
        if (options.singleFile()) {
            fileName = baseName + ".data";
        } else {
            String clean = tensorName.replaceAll("[^A-Za-z0-9._-]", "_");
            if (clean.isEmpty() || clean.startsWith(".")) {
                clean = "tensor" + clean;
            }
            fileName = clean + ".bin";
            int k = 1;
            while (!usedFileNames.add(fileName) || fileName.equals(baseName)) {
                fileName = clean + "_" + k++ + ".bin";
            }
        }
        guard.check(folder.resolve(fileName), true);
        Path tmp = AtomicFiles.createTemp(folder, fileName);
        DataFile f = new DataFile(folder.resolve(fileName), tmp);
        dataFiles.add(f);
        return f;
    }

    private void cleanup(Path tmp) {
        try {
            if (tmp != null) {
                AtomicFiles.delete(tmp);
            }
            for (DataFile f : dataFiles) {
                if (f.channel.isOpen()) {
                    f.channel.close();
                }
                AtomicFiles.delete(f.tmp);
            }
        } catch (IOException ignored) {
            // best effort: a leftover temporary file is harmless
        }
    }

    private static Onnx.StringStringEntryProto entry(Map.Entry<String, String> e) {
        return Onnx.StringStringEntryProto.newBuilder().setKey(e.getKey()).setValue(e.getValue()).build();
    }

}
