package dev.onnxpress.ort;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.UnsafeByteOperations;
import dev.onnxpress.error.InvalidModelException;
import dev.onnxpress.error.UserException;
import dev.onnxpress.proto.Onnx;
import java.io.IOException;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Adds internal values of a model's main graph as extra graph outputs ("taps"), so one ORT run returns
 * activations next to the model's own outputs.
 *
 * <p>The added output's type comes from the graph's value_info, inputs or initializers when they know
 * it. A value nobody declared is added by name only: ORT infers the type of a main-graph output that
 * declares none from its producer (verified in {@code ModelTapsTest} with ORT 1.29). Graph inputs and
 * initializers can be tapped (ORT returns them as they are); a name that already is a graph output is
 * kept once, in its place. Values inside subgraphs (If/Loop/Scan bodies) cannot be tapped.
 */
final class ModelTaps {
    private ModelTaps() {
    }

    static byte[] withTaps(byte[] modelBytes, List<String> valueNames) {
        return withTaps(parse(modelBytes), valueNames).toByteArray();
    }

    /** {@code model} with {@code valueNames} added as graph outputs (tensor data shared, not copied). */
    static Onnx.ModelProto withTaps(Onnx.ModelProto model, List<String> valueNames) {
        Onnx.GraphProto g = model.getGraph();
        Set<String> outputs = new HashSet<>();
        g.getOutputList().forEach(o -> outputs.add(o.getName()));
        Map<String, Onnx.ValueInfoProto> declared = new HashMap<>();
        g.getValueInfoList().forEach(v -> declared.putIfAbsent(v.getName(), v));
        g.getInputList().forEach(v -> declared.put(v.getName(), v));
        Map<String, Onnx.TensorProto> initializers = new HashMap<>();
        g.getInitializerList().forEach(t -> initializers.put(t.getName(), t));
        Set<String> produced = new HashSet<>();
        for (Onnx.NodeProto n : g.getNodeList()) {
            produced.addAll(n.getOutputList());
        }
        produced.remove("");

        Onnx.GraphProto.Builder gb = g.toBuilder();
        for (String name : new LinkedHashSet<>(valueNames)) {
            if (outputs.contains(name)) {
                continue;
            }
            Onnx.ValueInfoProto known = declared.get(name);
            Onnx.ValueInfoProto tap;
            if (known != null && known.hasType()) {
                tap = Onnx.ValueInfoProto.newBuilder().setName(name).setType(known.getType()).build();
            } else if (initializers.containsKey(name)) {
                tap = Onnx.ValueInfoProto.newBuilder().setName(name).setType(typeOf(initializers.get(name))).build();
            } else if (produced.contains(name) || known != null) {
                tap = Onnx.ValueInfoProto.newBuilder().setName(name).build();
            } else {
                throw new UserException("cannot tap '" + name + "': " + whereIs(g, name)
                        .map(node -> "it is inside a subgraph of node '" + node + "'; only values of the main graph can be tapped")
                        .orElse("the model's graph has no value of that name"));
            }
            gb.addOutput(tap);
        }
        return model.toBuilder().setGraph(gb).build();
    }

    /**
     * {@code modelBytes} written to a new temporary file, for a session that loads from a path; empty when
     * the model keeps tensors in external data (a file elsewhere would resolve their locations against
     * another folder) or the file cannot be written.
     */
    static Optional<java.nio.file.Path> spill(byte[] modelBytes) {
        java.nio.file.Path file = null;
        try {
            if (hasExternalData(parse(modelBytes).getGraph())) {
                return Optional.empty();
            }
            file = java.nio.file.Files.createTempFile("onnxpress-session-", ".onnx");
            java.nio.file.Files.write(file, modelBytes);
            return Optional.of(file);
        } catch (IOException | RuntimeException e) {
            if (file != null) {
                file.toFile().delete();
            }
            return Optional.empty();
        }
    }

    /**
     * {@code model} streamed to a new temporary file (never held as one byte array), for a session that loads
     * from a path; empty when it keeps tensors in external data or the file cannot be written.
     */
    static Optional<java.nio.file.Path> spill(Onnx.ModelProto model) {
        java.nio.file.Path file = null;
        try {
            if (hasExternalData(model.getGraph())) {
                return Optional.empty();
            }
            file = java.nio.file.Files.createTempFile("onnxpress-session-", ".onnx");
            try (java.io.OutputStream os = new java.io.BufferedOutputStream(java.nio.file.Files.newOutputStream(file),
                    1 << 20)) {
                com.google.protobuf.CodedOutputStream cos = com.google.protobuf.CodedOutputStream.newInstance(os, 1 << 16);
                model.writeTo(cos);
                cos.flush();
            }
            return Optional.of(file);
        } catch (IOException | RuntimeException e) {
            if (file != null) {
                file.toFile().delete();
            }
            return Optional.empty();
        }
    }

    private static boolean hasExternalData(Onnx.GraphProto g) {
        for (Onnx.TensorProto t : g.getInitializerList()) {
            if (t.getDataLocation() == Onnx.TensorProto.DataLocation.EXTERNAL) {
                return true;
            }
        }
        for (Onnx.NodeProto n : g.getNodeList()) {
            for (Onnx.AttributeProto a : n.getAttributeList()) {
                if (a.hasT() && a.getT().getDataLocation() == Onnx.TensorProto.DataLocation.EXTERNAL) {
                    return true;
                }
                for (Onnx.TensorProto t : a.getTensorsList()) {
                    if (t.getDataLocation() == Onnx.TensorProto.DataLocation.EXTERNAL) {
                        return true;
                    }
                }
                if (a.hasG() && hasExternalData(a.getG())) {
                    return true;
                }
                for (Onnx.GraphProto sub : a.getGraphsList()) {
                    if (hasExternalData(sub)) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    static Onnx.ModelProto parse(byte[] bytes) {
        try {
            // aliasing keeps large raw_data fields as views of the input instead of copies
            CodedInputStream in = UnsafeByteOperations.unsafeWrap(bytes).newCodedInput();
            in.enableAliasing(true);
            Onnx.ModelProto m = Onnx.ModelProto.parseFrom(in);
            if (!m.hasGraph()) {
                throw new InvalidModelException("not an ONNX model: no graph");
            }
            return m;
        } catch (InvalidProtocolBufferException e) {
            throw new InvalidModelException("not an ONNX model: " + e.getMessage());
        } catch (IOException e) {
            throw new InvalidModelException("cannot read model bytes: " + e.getMessage());
        }
    }

    private static Onnx.TypeProto typeOf(Onnx.TensorProto t) {
        Onnx.TensorShapeProto.Builder shape = Onnx.TensorShapeProto.newBuilder();
        for (long d : t.getDimsList()) {
            shape.addDim(Onnx.TensorShapeProto.Dimension.newBuilder().setDimValue(d));
        }
        return Onnx.TypeProto.newBuilder()
                .setTensorType(Onnx.TypeProto.Tensor.newBuilder().setElemType(t.getDataType()).setShape(shape))
                .build();
    }

    /** The name of the top-level node whose subgraphs use or produce {@code name}, if any. */
    private static Optional<String> whereIs(Onnx.GraphProto g, String name) {
        for (Onnx.NodeProto n : g.getNodeList()) {
            for (Onnx.AttributeProto a : n.getAttributeList()) {
                boolean found = (a.hasG() && mentions(a.getG(), name))
                        || a.getGraphsList().stream().anyMatch(sub -> mentions(sub, name));
                if (found) {
                    return Optional.of(n.getName().isEmpty() ? n.getOpType() : n.getName());
                }
            }
        }
        return Optional.empty();
    }

    private static boolean mentions(Onnx.GraphProto g, String name) {
        for (Onnx.NodeProto n : g.getNodeList()) {
            if (n.getOutputList().contains(name)) {
                return true;
            }
            for (Onnx.AttributeProto a : n.getAttributeList()) {
                if ((a.hasG() && mentions(a.getG(), name)) || a.getGraphsList().stream().anyMatch(s -> mentions(s, name))) {
                    return true;
                }
            }
        }
        return g.getInitializerList().stream().anyMatch(t -> t.getName().equals(name))
                || g.getInputList().stream().anyMatch(v -> v.getName().equals(name));
    }
}
