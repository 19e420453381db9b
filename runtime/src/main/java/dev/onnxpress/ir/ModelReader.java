package dev.onnxpress.ir;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.UnsafeByteOperations;
import dev.onnxpress.error.InvalidModelException;
import dev.onnxpress.error.UserException;
import dev.onnxpress.proto.Onnx;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Reads ONNX files into the IR. Everything a file can get wrong is reported as an
 * {@link InvalidModelException} naming the file and the object at fault; nothing is thrown raw.
 */
public final class ModelReader {
    /** Tensors with more elements than this are taken as corruption. */
    static final long MAX_ELEMENTS = 1L << 40;

    private final String source;
    private final Path folder;
    /** The model file and the external data files read, in order of first use. */
    private final java.util.LinkedHashSet<Path> sourceFiles = new java.util.LinkedHashSet<>();

    private ModelReader(String source, Path folder) {
        this.source = source;
        this.folder = folder;
    }

    /** Reads a model file; external data is resolved against the file's folder. */
    public static Model read(Path file) {
        String shown = file.toString();
        byte[] bytes;
        try {
            BasicFileAttributes attrs = Files.readAttributes(file, BasicFileAttributes.class);
            if (attrs.isDirectory()) {
                throw new InvalidModelException(shown + ": is a folder, not an ONNX model file");
            }
            long size = attrs.size();
            if (size == 0) {
                throw new InvalidModelException(shown + ": empty file, not an ONNX model");
            }
            if (size >= Integer.MAX_VALUE) {
                throw new InvalidModelException(shown + ": " + size + " bytes is more than one ONNX protobuf file"
                        + " can hold (2 GB); larger models keep their weights in external data files");
            }
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new UserException(shown + ": no such file");
        } catch (IOException e) {
            throw new UserException(shown + ": cannot read (" + e.getMessage() + ")");
        }
        Path parent = file.toAbsolutePath().getParent();
        ModelReader reader = new ModelReader(shown, parent);
        reader.sourceFiles.add(FileIdentity.of(file).real());
        return reader.parse(bytes);
    }

    /** Reads a model from bytes; {@code folder} resolves external data (empty: none allowed). */
    public static Model read(byte[] bytes, Optional<Path> folder, String sourceName) {
        if (bytes.length == 0) {
            throw new InvalidModelException(sourceName + ": empty, not an ONNX model");
        }
        return new ModelReader(sourceName, folder.map(p -> p.toAbsolutePath()).orElse(null)).parse(bytes);
    }

    /** Parses the protobuf only (aliasing the byte array, so large models do not double the heap). */
    static Onnx.ModelProto parseProto(byte[] bytes, String source) {
        try {
            CodedInputStream in = UnsafeByteOperations.unsafeWrap(bytes).newCodedInput();
            in.enableAliasing(true);
            in.setSizeLimit(Integer.MAX_VALUE);
            return Onnx.ModelProto.parseFrom(in);
        } catch (IOException e) {
            throw new InvalidModelException(source + ": not a valid ONNX file (corrupt or truncated protobuf: "
                    + firstLine(e.getMessage()) + ")");
        } catch (RuntimeException | StackOverflowError e) {
            throw new InvalidModelException(source + ": not a valid ONNX file (corrupt protobuf)");
        }
    }

    private Model parse(byte[] bytes) {
        Onnx.ModelProto mp = parseProto(bytes, source);
        if (!mp.hasGraph()) {
            throw new InvalidModelException(source + ": not an ONNX model (no graph in the file)");
        }
        if (mp.getOpsetImportCount() == 0 && !mp.hasIrVersion()) {
            throw new InvalidModelException(source + ": not an ONNX model (no IR version and no opset imports)");
        }
        ModelValidation.validate(mp, source);
        try {
            return convert(mp);
        } catch (InvalidModelException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new InvalidModelException(source + ": malformed model (" + e.getMessage() + ")", e);
        }
    }

    private Model convert(Onnx.ModelProto mp) {
        Graph g = readGraph(mp.getGraph(), null, new Scope(null));
        Model m = new Model(g);
        m.irVersion = mp.getIrVersion();
        m.hasIrVersion = mp.hasIrVersion();
        for (Onnx.OperatorSetIdProto op : mp.getOpsetImportList()) {
            m.opsets.put(op.getDomain(), op.getVersion());
            if (!op.hasDomain()) {
                m.opsetDomainAbsent.add(op.getDomain());
            }
        }
        m.producerName = mp.getProducerName();
        m.producerVersion = mp.getProducerVersion();
        m.domain = mp.getDomain();
        m.modelVersion = mp.getModelVersion();
        m.hasModelVersion = mp.hasModelVersion();
        m.docString = mp.getDocString();
        for (Onnx.StringStringEntryProto e : mp.getMetadataPropsList()) {
            m.metadata.put(e.getKey(), e.getValue());
        }
        for (Onnx.FunctionProto f : mp.getFunctionsList()) {
            m.functions.add(f.toByteArray());
        }
        for (Onnx.TrainingInfoProto t : mp.getTrainingInfoList()) {
            m.trainingInfo.add(t.toByteArray());
        }
        m.unknownFields = unknown(mp);
        m.folder = folder;
        m.sourceFiles = List.copyOf(sourceFiles);
        return m;
    }

    /** Names visible in one graph, chained to the enclosing graph's. */
    private static final class Scope {
        final Scope parent;
        final Map<String, Value> names = new HashMap<>();
        /** What defined each name: a description, or the producing node (described only for an error). */
        final Map<String, Object> definedBy = new HashMap<>();

        Scope(Scope parent) {
            this.parent = parent;
        }

        Value lookup(String name) {
            for (Scope s = this; s != null; s = s.parent) {
                Value v = s.names.get(name);
                if (v != null) {
                    return v;
                }
            }
            return null;
        }
    }

    private Graph readGraph(Onnx.GraphProto gp, Graph parent, Scope parentScope) {
        Graph g = new Graph(gp.getName(), parent);
        Scope scope = new Scope(parentScope);
        String where = gp.getName().isEmpty() ? "graph" : "graph '" + gp.getName() + "'";
        g.setDocString(gp.getDocString());
        for (Onnx.StringStringEntryProto e : gp.getMetadataPropsList()) {
            g.metadata.put(e.getKey(), e.getValue());
        }
        for (Onnx.TensorAnnotation a : gp.getQuantizationAnnotationList()) {
            g.quantizationAnnotations.add(a.toByteArray());
        }
        g.unknownFields = unknown(gp);

        readInputs(gp, g, scope, where);
        readInitializers(gp, g, scope, where);
        declareNodes(gp, g, scope, where);
        connectNodes(gp, g, scope);
        readOutputsAndValueInfo(gp, g, scope, where);
        g.sortTopologically();
        return g;
    }

    /** The graph inputs, each named once. */
    private void readInputs(Onnx.GraphProto gp, Graph g, Scope scope, String where) {
        for (Onnx.ValueInfoProto vi : gp.getInputList()) {
            String name = vi.getName();
            if (name.isEmpty()) {
                throw new InvalidModelException(source + ": " + where + " has an input without a name");
            }
            if (scope.names.containsKey(name)) {
                throw new InvalidModelException(source + ": " + where + " lists input '" + name + "' twice");
            }
            Value v = new Value(name, g);
            applyValueInfo(v, vi);
            scope.names.put(name, v);
            scope.definedBy.put(name, "graph input");
            g.inputs.add(v);
        }
    }

    /** Dense initializers (an initializer may give an input its default) and sparse ones. */
    private void readInitializers(Onnx.GraphProto gp, Graph g, Scope scope, String where) {
        Set<String> initializerNames = new HashSet<>();
        for (Onnx.TensorProto tp : gp.getInitializerList()) {
            String name = tp.getName();
            if (name.isEmpty()) {
                throw new InvalidModelException(source + ": " + where + " has an initializer without a name");
            }
            if (!initializerNames.add(name)) {
                throw new InvalidModelException(source + ": two initializers are named '" + name + "'");
            }
            Tensor t = readTensor(tp, "initializer '" + name + "'");
            Value v = scope.names.get(name);
            if (v == null) {
                v = new Value(name, g);
                v.setType(ValueType.TensorType.of(t.dataType(), t.dims()));
                scope.names.put(name, v);
                scope.definedBy.put(name, "initializer");
            }
            g.initializers.put(v, t);
        }
        for (Onnx.SparseTensorProto sp : gp.getSparseInitializerList()) {
            String name = sp.getValues().getName();
            if (name.isEmpty() || scope.names.containsKey(name) && !g.inputs.contains(scope.names.get(name))) {
                throw new InvalidModelException(source + ": sparse initializer '" + name
                        + "' has no name or repeats another");
            }
            Value v = scope.names.computeIfAbsent(name, n -> new Value(n, g));
            scope.definedBy.put(name, "sparse initializer");
            g.sparseInitializers.put(v, sp.toByteArray());
        }
    }

    /** Every node with its outputs (outputs first, so that subgraphs may read any value of this graph). */
    private void declareNodes(Onnx.GraphProto gp, Graph g, Scope scope, String where) {
        for (Onnx.NodeProto np : gp.getNodeList()) {
            if (np.getOpType().isEmpty()) {
                throw new InvalidModelException(source + ": node '" + np.getName() + "' in " + where
                        + " has no op_type");
            }
            Node n = new Node(np.getOpType(), np.getDomain(), np.getName());
            n.graph = g;
            n.setOverload(np.getOverload());
            n.setDocString(np.getDocString());
            for (Onnx.StringStringEntryProto e : np.getMetadataPropsList()) {
                n.mutableMetadata().put(e.getKey(), e.getValue());
            }
            n.unknownFields = unknown(np);
            for (int i = 0; i < np.getOutputCount(); i++) {
                String name = np.getOutput(i);
                if (name.isEmpty()) {
                    n.outputs.add(Value.none());
                    continue;
                }
                if (scope.names.containsKey(name)) {
                    throw new InvalidModelException(source + ": value '" + name + "' is produced twice: by "
                            + describe(scope.definedBy.get(name)) + " and by " + describe(n));
                }
                Value v = new Value(name, g);
                v.producer = n;
                v.producerIndex = i;
                n.outputs.add(v);
                scope.names.put(name, v);
                scope.definedBy.put(name, n);
            }
            g.nodeList().add(n);
        }
    }

    /** Each node's inputs (resolved through the enclosing scopes) and attributes, subgraphs included. */
    private void connectNodes(Onnx.GraphProto gp, Graph g, Scope scope) {
        for (int k = 0; k < gp.getNodeCount(); k++) {
            Onnx.NodeProto np = gp.getNode(k);
            Node n = g.nodeList().get(k);
            for (int i = 0; i < np.getInputCount(); i++) {
                String name = np.getInput(i);
                if (name.isEmpty()) {
                    n.inputs.add(Value.none());
                    continue;
                }
                Value v = scope.lookup(name);
                if (v == null) {
                    throw new InvalidModelException(source + ": node '" + n.label() + "' (" + n.opType() + ") reads '"
                            + name + "', which no node, graph input or initializer produces");
                }
                n.inputs.add(v);
                v.uses.add(new Value.Use(n, i));
            }
            for (Onnx.AttributeProto ap : np.getAttributeList()) {
                if (n.attrs.containsKey(ap.getName())) {
                    throw new InvalidModelException(source + ": node '" + n.label() + "' has attribute '"
                            + ap.getName() + "' twice");
                }
                n.attrs.put(ap.getName(), readAttr(ap, n, g, scope));
            }
            if (n.is("Constant")) {
                checkConstant(n);
            }
        }
    }

    /** The graph outputs and the value_info of this graph's values. */
    private void readOutputsAndValueInfo(Onnx.GraphProto gp, Graph g, Scope scope, String where) {
        Set<Value> inputSet = Graph.identitySet(g.inputs);
        for (Onnx.ValueInfoProto vi : gp.getOutputList()) {
            Value v = scope.lookup(vi.getName());
            if (v == null) {
                throw new InvalidModelException(source + ": " + where + " output '" + vi.getName()
                        + "' is not produced by any node, input or initializer");
            }
            if (v.owner == g && !inputSet.contains(v)) {
                applyValueInfo(v, vi);
            } else if (v.origin == null) {
                applyValueInfo(v, vi);
            }
            g.outputs.add(v);
        }
        Set<Value> outputSet = Graph.identitySet(g.outputs);
        for (Onnx.ValueInfoProto vi : gp.getValueInfoList()) {
            Value v = scope.names.get(vi.getName());
            if (v != null && !inputSet.contains(v) && !outputSet.contains(v)) {
                applyValueInfo(v, vi);
                g.valueInfo.add(v);
            }
        }
    }

    private static String describe(Object definer) {
        return definer instanceof Node n ? "node '" + n.label() + "' (" + n.opType() + ")" : String.valueOf(definer);
    }

    private void applyValueInfo(Value v, Onnx.ValueInfoProto vi) {
        ValueType t = vi.hasType() ? ProtoTypes.fromProto(vi.getType(), vi.getName()) : null;
        v.setType(t);
        v.typeAsRead = t;
        v.origin = vi;
        v.setDocString(vi.getDocString());
        for (Onnx.StringStringEntryProto e : vi.getMetadataPropsList()) {
            v.mutableMetadata().put(e.getKey(), e.getValue());
        }
    }

    private Attr readAttr(Onnx.AttributeProto ap, Node n, Graph g, Scope scope) {
        Attr.Kind kind = ap.hasType() ? Attr.Kind.fromCode(ap.getType().getNumber()) : inferKind(ap);
        Object payload = switch (kind) {
            case FLOAT -> ap.getF();
            case INT -> ap.getI();
            case STRING -> ap.getS().toByteArray();
            case TENSOR -> readTensor(ap.getT(), attrWhat(ap, n));
            case GRAPH -> {
                Graph sub = readGraph(ap.getG(), g, scope);
                sub.ownerNode = n;
                yield sub;
            }
            case SPARSE_TENSOR -> ap.getSparseTensor().toByteArray();
            case TYPE -> ProtoTypes.fromProto(ap.getTp(), ap.getName());
            case FLOATS -> {
                float[] f = new float[ap.getFloatsCount()];
                for (int i = 0; i < f.length; i++) {
                    f[i] = ap.getFloats(i);
                }
                yield f;
            }
            case INTS -> {
                long[] l = new long[ap.getIntsCount()];
                for (int i = 0; i < l.length; i++) {
                    l[i] = ap.getInts(i);
                }
                yield l;
            }
            case STRINGS -> ap.getStringsList().stream().map(b -> b.toByteArray()).toList();
            case TENSORS -> ap.getTensorsList().stream().map(t -> readTensor(t, attrWhat(ap, n))).toList();
            case GRAPHS -> ap.getGraphsList().stream().map(gp -> {
                Graph sub = readGraph(gp, g, scope);
                sub.ownerNode = n;
                return sub;
            }).toList();
            case SPARSE_TENSORS -> ap.getSparseTensorsList().stream().map(s -> s.toByteArray()).toList();
            case TYPES -> ap.getTypeProtosList().stream().map(t -> ProtoTypes.fromProto(t, ap.getName())).toList();
            case UNDEFINED -> ap.toByteArray();
        };
        return new Attr(kind, payload, ap.getRefAttrName(), ap.getDocString());
    }

    private static String attrWhat(Onnx.AttributeProto ap, Node n) {
        return "attribute '" + ap.getName() + "' of node '" + n.label() + "'";
    }

    /** The attribute kind each form of a Constant node's value must have. */
    private static final Map<String, Attr.Kind> CONSTANT_FORMS = Map.of(
            "value", Attr.Kind.TENSOR, "sparse_value", Attr.Kind.SPARSE_TENSOR,
            "value_float", Attr.Kind.FLOAT, "value_floats", Attr.Kind.FLOATS,
            "value_int", Attr.Kind.INT, "value_ints", Attr.Kind.INTS,
            "value_string", Attr.Kind.STRING, "value_strings", Attr.Kind.STRINGS);

    /**
     * A Constant's value is read wherever passes look for constants ({@link Graph#constantValue}), so a
     * value attribute of the wrong kind is refused here rather than failing later inside a pass.
     */
    private void checkConstant(Node n) {
        for (Map.Entry<String, Attr> e : n.attrs.entrySet()) {
            Attr.Kind want = CONSTANT_FORMS.get(e.getKey());
            Attr a = e.getValue();
            if (want != null && a.refAttrName().isEmpty() && a.kind() != want) {
                throw new InvalidModelException(source + ": node '" + n.label() + "' (Constant) has attribute '"
                        + e.getKey() + "' of type " + a.kind() + "; ONNX requires " + want);
            }
        }
    }

    /** IR version 1 files may omit the attribute type: infer it from the field that is set. */
    private static Attr.Kind inferKind(Onnx.AttributeProto ap) {
        if (ap.hasF()) {
            return Attr.Kind.FLOAT;
        }
        if (ap.hasI()) {
            return Attr.Kind.INT;
        }
        if (ap.hasS()) {
            return Attr.Kind.STRING;
        }
        if (ap.hasT()) {
            return Attr.Kind.TENSOR;
        }
        if (ap.hasG()) {
            return Attr.Kind.GRAPH;
        }
        if (ap.getFloatsCount() > 0) {
            return Attr.Kind.FLOATS;
        }
        if (ap.getIntsCount() > 0) {
            return Attr.Kind.INTS;
        }
        if (ap.getStringsCount() > 0) {
            return Attr.Kind.STRINGS;
        }
        if (ap.getTensorsCount() > 0) {
            return Attr.Kind.TENSORS;
        }
        if (ap.getGraphsCount() > 0) {
            return Attr.Kind.GRAPHS;
        }
        return Attr.Kind.UNDEFINED;
    }

    Tensor readTensor(Onnx.TensorProto tp, String what) {
        Optional<DataType> type = DataType.fromCode(tp.getDataType());
        if (type.isEmpty() || type.get() == DataType.UNDEFINED) {
            throw new InvalidModelException(source + ": " + what + " has unknown data type " + tp.getDataType());
        }
        DataType dt = type.get();
        long[] dims = new long[tp.getDimsCount()];
        for (int i = 0; i < dims.length; i++) {
            dims[i] = tp.getDims(i);
        }
        long count = 1;
        for (long d : dims) {
            if (d < 0 || d > ProtoTypes.MAX_DIM) {
                throw new InvalidModelException(source + ": " + what + " has an absurd dimension " + d
                        + " in shape " + java.util.Arrays.toString(dims));
            }
            if (d != 0 && count > MAX_ELEMENTS / d) {
                throw new InvalidModelException(source + ": " + what + " has an absurd shape "
                        + java.util.Arrays.toString(dims));
            }
            count *= d;
        }
        long expected = dt.byteSize(count);
        if (tp.getDataLocation() == Onnx.TensorProto.DataLocation.EXTERNAL) {
            return readExternal(tp, dt, dims, expected, what);
        }
        if (dt == DataType.STRING) {
            if (tp.getStringDataCount() != count) {
                throw new InvalidModelException(source + ": " + what + " holds " + tp.getStringDataCount()
                        + " strings but its shape needs " + count);
            }
        } else if (tp.hasRawData()) {
            if (tp.getRawData().size() != expected) {
                throw new InvalidModelException(source + ": " + what + " has " + tp.getRawData().size()
                        + " bytes of data but its shape " + java.util.Arrays.toString(dims) + " of "
                        + dt.displayName() + " needs " + expected);
            }
        } else {
            long have = typedCount(tp, dt);
            long want = switch (dt) {
                case COMPLEX64, COMPLEX128 -> 2 * count;
                case INT4, UINT4, FLOAT4E2M1 -> expected;
                default -> count;
            };
            if (have != want) {
                throw new InvalidModelException(source + ": " + what + " holds " + have
                        + " values but its shape " + java.util.Arrays.toString(dims) + " needs " + want);
            }
        }
        return new Tensor(dt, dims, new TensorData.Proto(tp), tp.getName());
    }

    private static long typedCount(Onnx.TensorProto tp, DataType dt) {
        return switch (dt) {
            case FLOAT, COMPLEX64 -> tp.getFloatDataCount();
            case DOUBLE, COMPLEX128 -> tp.getDoubleDataCount();
            case INT64 -> tp.getInt64DataCount();
            case UINT32, UINT64 -> tp.getUint64DataCount();
            default -> tp.getInt32DataCount();
        };
    }

    private Tensor readExternal(Onnx.TensorProto tp, DataType dt, long[] dims, long expected, String what) {
        String location = null;
        long offset = 0;
        long length = -1;
        for (Onnx.StringStringEntryProto e : tp.getExternalDataList()) {
            try {
                switch (e.getKey()) {
                    case "location" -> location = e.getValue();
                    case "offset" -> offset = Long.parseLong(e.getValue());
                    case "length" -> length = Long.parseLong(e.getValue());
                    default -> {
                    }
                }
            } catch (NumberFormatException ex) {
                throw new InvalidModelException(source + ": " + what + " has a malformed external data "
                        + e.getKey() + " '" + e.getValue() + "'");
            }
        }
        if (location == null || location.isEmpty()) {
            throw new InvalidModelException(source + ": " + what + " is marked external but names no location");
        }
        Path file = ExternalPaths.resolve(folder, location, source, what);
        sourceFiles.add(file);
        long fileSize;
        try {
            fileSize = Files.size(file);
        } catch (IOException e) {
            throw new InvalidModelException(source + ": cannot read external data file '" + location + "' of "
                    + what + " (" + e.getMessage() + ")");
        }
        if (length < 0) {
            length = expected;
        }
        if (offset < 0 || length != expected) {
            throw new InvalidModelException(source + ": " + what + " says its external data is " + length
                    + " bytes at offset " + offset + " but its shape needs " + expected + " bytes");
        }
        if (offset > fileSize - length) { // not offset + length: a huge offset would overflow past the check
            throw new InvalidModelException(source + ": external data file '" + location + "' is " + fileSize
                    + " bytes, but " + what + " needs " + length + " bytes at offset " + offset);
        }
        return new Tensor(dt, dims, new TensorData.External(file, offset, length), tp.getName());
    }

    static byte[] unknown(com.google.protobuf.Message m) {
        return m.getUnknownFields().asMap().isEmpty() ? new byte[0] : m.getUnknownFields().toByteArray();
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "unreadable";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    /** Reads the IR back from a list of paths; used by tests. */
    static List<Model> readAll(List<Path> files) {
        return files.stream().map(ModelReader::read).toList();
    }
}
