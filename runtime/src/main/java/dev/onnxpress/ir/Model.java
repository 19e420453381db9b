package dev.onnxpress.ir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** A whole ONNX model: its header, opset imports, main graph and what the IR keeps opaque. */
public final class Model {
    long irVersion;
    final LinkedHashMap<String, Long> opsets = new LinkedHashMap<>();
    /** Opset imports whose domain field was absent in the file (not an explicit ""), kept so on write. */
    final java.util.Set<String> opsetDomainAbsent = new java.util.HashSet<>();
    String producerName = "";
    String producerVersion = "";
    String domain = "";
    long modelVersion;
    String docString = "";
    final LinkedHashMap<String, String> metadata = new LinkedHashMap<>();
    final Graph graph;
    /** Functions and training info, serialized: passes do not rewrite them, the writer keeps them. */
    final List<byte[]> functions = new ArrayList<>();
    final List<byte[]> trainingInfo = new ArrayList<>();
    byte[] unknownFields = new byte[0];
    /** Fields the file set explicitly, so that absent ones stay absent on write. */
    boolean hasIrVersion;
    boolean hasModelVersion;
    /** The folder external data was resolved against, when read from a file. */
    Path folder;
    /** The files the model was read from: the model file and every external data file it reads. */
    java.util.List<Path> sourceFiles = List.of();
    /** How the model asks to be written (set by passes such as externalize_data); null: the writer's default. */
    ModelWriter.Options writeOptions;
    /** Where a Rewriter parks the large tensors it stores (shared by copies); null: on the heap. */
    TensorSpill spill;

    Model(Graph graph) {
        this.graph = graph;
    }

    /** A new model around a graph, with the given default-domain opset. */
    public static Model create(Graph graph, long irVersion, long defaultOpset) {
        Model m = new Model(graph);
        m.irVersion = irVersion;
        m.hasIrVersion = true;
        m.opsets.put("", defaultOpset);
        return m;
    }

    public Graph graph() {
        return graph;
    }

    public long irVersion() {
        return irVersion;
    }

    /** Opset imports, domain → version; the default domain is "". */
    public Map<String, Long> opsets() {
        return Collections.unmodifiableMap(opsets);
    }

    /** The default ("ai.onnx") opset version, or 1 if the model imports none. */
    public long defaultOpset() {
        Long v = opsets.get("");
        if (v == null) {
            v = opsets.get("ai.onnx");
        }
        return v == null ? 1 : v;
    }

    public Optional<Long> opset(String opDomain) {
        return Optional.ofNullable(opsets.get(opDomain));
    }

    public String producerName() {
        return producerName;
    }

    public String producerVersion() {
        return producerVersion;
    }

    public String domain() {
        return domain;
    }

    public long modelVersion() {
        return modelVersion;
    }

    public String docString() {
        return docString;
    }

    public Map<String, String> metadata() {
        return Collections.unmodifiableMap(metadata);
    }

    public int functionCount() {
        return functions.size();
    }

    public int trainingInfoCount() {
        return trainingInfo.size();
    }

    public Optional<Path> folder() {
        return Optional.ofNullable(folder);
    }

    /**
     * The files this model was read from (the .onnx and every external data file it reads, real paths), so
     * that no output can replace them; empty for a model built in memory or read from bytes.
     */
    public List<Path> sourceFiles() {
        return sourceFiles;
    }

    /**
     * How tensors should be placed when this model is written, as a pass (externalize_data,
     * internalize_data) requested it; {@link ModelWriter#write(Model, java.nio.file.Path)} honours it.
     */
    public Optional<ModelWriter.Options> writeOptions() {
        return Optional.ofNullable(writeOptions);
    }

    /**
     * Parks the large tensors passes store in this model, and in its copies, in {@code spill} instead of on the heap
     * (null: on the heap again). A run-time setting like the model's folder: not part of the graph or the file.
     */
    public void spillTo(TensorSpill spill) {
        this.spill = spill;
    }

    /** The scratch file large new tensors go to, if any. */
    public Optional<TensorSpill> spill() {
        return Optional.ofNullable(spill);
    }

    /** A structural copy: new graphs, nodes and values; tensors (immutable) are shared. */
    public Model copy() {
        return ModelCopier.copy(this);
    }
}
