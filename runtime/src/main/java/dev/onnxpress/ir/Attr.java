package dev.onnxpress.ir;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A node attribute. Immutable except that graph-valued attributes hold their (mutable) subgraphs,
 * which belong to the node.
 */
public record Attr(Kind kind, Object payload, String refAttrName, String docString) {

    public enum Kind {
        FLOAT(1), INT(2), STRING(3), TENSOR(4), GRAPH(5), SPARSE_TENSOR(11), TYPE(13),
        FLOATS(6), INTS(7), STRINGS(8), TENSORS(9), GRAPHS(10), SPARSE_TENSORS(12), TYPES(14), UNDEFINED(0);

        private final int code;

        Kind(int code) {
            this.code = code;
        }

        public int code() {
            return code;
        }

        public static Kind fromCode(int code) {
            for (Kind k : values()) {
                if (k.code == code) {
                    return k;
                }
            }
            return UNDEFINED;
        }
    }

    public Attr {
        refAttrName = refAttrName == null ? "" : refAttrName;
        docString = docString == null ? "" : docString;
    }

    public static Attr of(float f) {
        return new Attr(Kind.FLOAT, f, "", "");
    }

    public static Attr of(long i) {
        return new Attr(Kind.INT, i, "", "");
    }

    public static Attr of(String s) {
        return new Attr(Kind.STRING, s.getBytes(StandardCharsets.UTF_8), "", "");
    }

    public static Attr of(Tensor t) {
        return new Attr(Kind.TENSOR, t, "", "");
    }

    public static Attr of(Graph g) {
        return new Attr(Kind.GRAPH, g, "", "");
    }

    public static Attr ofFloats(float... fs) {
        return new Attr(Kind.FLOATS, fs.clone(), "", "");
    }

    public static Attr ofInts(long... is) {
        return new Attr(Kind.INTS, is.clone(), "", "");
    }

    public static Attr ofStrings(List<String> ss) {
        List<byte[]> b = new ArrayList<>();
        for (String s : ss) {
            b.add(s.getBytes(StandardCharsets.UTF_8));
        }
        return new Attr(Kind.STRINGS, List.copyOf(b), "", "");
    }

    public static Attr ofTensors(List<Tensor> ts) {
        return new Attr(Kind.TENSORS, List.copyOf(ts), "", "");
    }

    public static Attr ofGraphs(List<Graph> gs) {
        return new Attr(Kind.GRAPHS, List.copyOf(gs), "", "");
    }

    public Attr withDocString(String doc) {
        return new Attr(kind, payload, refAttrName, doc);
    }

    public float f() {
        return switch (kind) {
            case FLOAT -> (Float) payload;
            case INT -> (float) (long) (Long) payload;
            default -> throw wrong("a float");
        };
    }

    public long i() {
        if (kind != Kind.INT) {
            throw wrong("an int");
        }
        return (Long) payload;
    }

    public byte[] bytes() {
        if (kind != Kind.STRING) {
            throw wrong("a string");
        }
        return ((byte[]) payload).clone();
    }

    public String s() {
        return new String(bytes(), StandardCharsets.UTF_8);
    }

    public Tensor t() {
        if (kind != Kind.TENSOR) {
            throw wrong("a tensor");
        }
        return (Tensor) payload;
    }

    public Graph g() {
        if (kind != Kind.GRAPH) {
            throw wrong("a graph");
        }
        return (Graph) payload;
    }

    public float[] floats() {
        if (kind == Kind.INTS) {
            long[] l = (long[]) payload;
            float[] f = new float[l.length];
            for (int k = 0; k < l.length; k++) {
                f[k] = l[k];
            }
            return f;
        }
        if (kind != Kind.FLOATS) {
            throw wrong("a list of floats");
        }
        return ((float[]) payload).clone();
    }

    public long[] ints() {
        if (kind != Kind.INTS) {
            throw wrong("a list of ints");
        }
        return ((long[]) payload).clone();
    }

    @SuppressWarnings("unchecked")
    public List<byte[]> byteStrings() {
        if (kind != Kind.STRINGS) {
            throw wrong("a list of strings");
        }
        return (List<byte[]>) payload;
    }

    public List<String> strings() {
        List<String> out = new ArrayList<>();
        for (byte[] b : byteStrings()) {
            out.add(new String(b, StandardCharsets.UTF_8));
        }
        return out;
    }

    @SuppressWarnings("unchecked")
    public List<Tensor> tensors() {
        if (kind != Kind.TENSORS) {
            throw wrong("a list of tensors");
        }
        return (List<Tensor>) payload;
    }

    @SuppressWarnings("unchecked")
    public List<Graph> graphs() {
        if (kind != Kind.GRAPHS) {
            throw wrong("a list of graphs");
        }
        return (List<Graph>) payload;
    }

    /** Subgraphs held by this attribute (none, one or several). */
    public List<Graph> subgraphs() {
        return switch (kind) {
            case GRAPH -> List.of(g());
            case GRAPHS -> graphs();
            default -> List.of();
        };
    }

    private IllegalStateException wrong(String what) {
        return new IllegalStateException("attribute is " + kind + ", not " + what);
    }

    @Override
    public String toString() {
        return switch (kind) {
            case FLOAT, INT -> String.valueOf(payload);
            case STRING -> '"' + s() + '"';
            case FLOATS -> Arrays.toString((float[]) payload);
            case INTS -> Arrays.toString((long[]) payload);
            default -> kind.toString();
        };
    }

    @Override
    public boolean equals(Object o) {
        return this == o;
    }

    @Override
    public int hashCode() {
        return System.identityHashCode(this);
    }
}
