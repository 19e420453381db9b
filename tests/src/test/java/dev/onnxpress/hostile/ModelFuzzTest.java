package dev.onnxpress.hostile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.onnxpress.error.UserException;
import dev.onnxpress.ir.Model;
import dev.onnxpress.ir.ModelReader;
import dev.onnxpress.ir.ModelWriter;
import dev.onnxpress.proto.Onnx;
import dev.onnxpress.testing.SharedFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.function.UnaryOperator;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Seeded mutations of small real models, read and written through the IR: each must either work or fail
 * with a {@link UserException} (the one-line error the CLI prints); anything else, a hang or running out
 * of memory is a bug. Half the mutations damage raw bytes (bit flips, overwrites, truncation, inserted
 * and repeated runs, biased towards the graph structure at the ends of the file rather than the weights
 * in the middle); half edit the parsed protobuf (delete or duplicate nodes, inputs, outputs,
 * initializers, dims, attributes; set odd dims, types and names) so the damage passes the protobuf parser
 * and reaches the IR checks. ONNX Runtime is not involved. 3 models × 350 = 1,050 mutations per build.
 */
class ModelFuzzTest {
    private static final int MUTATIONS_PER_MODEL = 350;
    private static final int BATCH = 50;

    /** Outcomes for the report line, and to check that the fuzzer reaches both ends. */
    private int accepted;
    private int refused;

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"mnist_cnn", "lenet5_fashion", "ppocr_cls_mobile_v2"})
    void mutationsReadAndWriteOrFailCleanly(String name) throws IOException {
        byte[] original = Files.readAllBytes(SharedFiles.model(name));
        Onnx.ModelProto proto = Onnx.ModelProto.parseFrom(original);
        Random random = new Random(name.hashCode() * 31L + 7);
        for (int start = 0; start < MUTATIONS_PER_MODEL; start += BATCH) {
            List<byte[]> batch = new ArrayList<>();
            List<String> what = new ArrayList<>();
            for (int i = 0; i < BATCH; i++) {
                StringBuilder description = new StringBuilder();
                batch.add(random.nextBoolean() ? mutateBytes(original, random, description)
                        : mutateProto(proto, random, description));
                what.add(description.toString());
            }
            assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
                for (int i = 0; i < batch.size(); i++) {
                    readAndWrite(batch.get(i), name + " mutation " + what.get(i));
                }
            }, () -> name + ": a batch of " + BATCH + " mutations did not finish in 60 s");
        }
        assertThat(accepted).as("mutations that still read").isPositive();
        assertThat(refused).as("mutations refused").isPositive();
    }

    private void readAndWrite(byte[] bytes, String what) {
        Model m;
        try {
            m = ModelReader.read(bytes, Optional.empty(), "fuzz");
        } catch (UserException e) {
            assertThat(e.getMessage()).as(what).isNotBlank();
            // the reader's safety net wraps unexpected exceptions as "malformed model": those are gaps
            // in its checks, each should get its own message
            Throwable cause = e.getCause() == null ? new Exception() : e.getCause();
            assertThat(cause).as(what + ": " + e.getMessage())
                    .isNotInstanceOfAny(NullPointerException.class, IndexOutOfBoundsException.class,
                            IllegalArgumentException.class, IllegalStateException.class,
                            ClassCastException.class, ArithmeticException.class);
            refused++;
            return;
        } catch (RuntimeException | StackOverflowError | OutOfMemoryError e) {
            throw new AssertionError(what + ": reading threw " + e, e);
        }
        try {
            byte[] written = ModelWriter.toBytes(m);
            // what was written reads again: the writer never produces a file the reader refuses
            ModelReader.read(written, Optional.empty(), "fuzz rewritten");
            accepted++;
        } catch (UserException e) {
            refused++;
        } catch (RuntimeException | StackOverflowError | OutOfMemoryError e) {
            throw new AssertionError(what + ": writing threw " + e, e);
        }
    }

    // ---------------------------------------------------------------- raw byte mutations

    private static byte[] mutateBytes(byte[] original, Random r, StringBuilder d) {
        byte[] b = original.clone();
        int kind = r.nextInt(6);
        int pos = position(b.length, r);
        switch (kind) {
            case 0 -> {
                int flips = 1 + r.nextInt(8);
                d.append("flip ").append(flips).append(" bits near ").append(pos);
                for (int i = 0; i < flips; i++) {
                    int p = Math.min(b.length - 1, pos + r.nextInt(64));
                    b[p] ^= (byte) (1 << r.nextInt(8));
                }
            }
            case 1 -> {
                int len = 1 + r.nextInt(16);
                d.append("overwrite ").append(len).append(" bytes at ").append(pos);
                for (int i = 0; i < len && pos + i < b.length; i++) {
                    b[pos + i] = (byte) r.nextInt(256);
                }
            }
            case 2 -> {
                d.append("truncate to ").append(pos);
                b = Arrays.copyOf(b, pos);
            }
            case 3 -> {
                int len = 1 + r.nextInt(32);
                d.append("insert ").append(len).append(" random bytes at ").append(pos);
                byte[] ins = new byte[len];
                r.nextBytes(ins);
                b = splice(b, pos, 0, ins);
            }
            case 4 -> {
                int len = 1 + r.nextInt(Math.max(1, Math.min(256, b.length - pos)));
                d.append("repeat ").append(len).append(" bytes at ").append(pos);
                b = splice(b, pos, 0, Arrays.copyOfRange(b, pos, Math.min(b.length, pos + len)));
            }
            default -> {
                int len = 1 + r.nextInt(64);
                d.append("delete ").append(len).append(" bytes at ").append(pos);
                b = splice(b, pos, Math.min(len, b.length - pos), new byte[0]);
            }
        }
        return b;
    }

    /** Graph structure sits at the start (nodes) and end (inputs, outputs) of an exported file. */
    private static int position(int length, Random r) {
        return switch (r.nextInt(4)) {
            case 0 -> r.nextInt(Math.min(length, 4096));
            case 1 -> Math.max(0, length - 1 - r.nextInt(Math.min(length, 2048)));
            default -> r.nextInt(length);
        };
    }

    private static byte[] splice(byte[] b, int at, int remove, byte[] insert) {
        byte[] out = new byte[b.length - remove + insert.length];
        System.arraycopy(b, 0, out, 0, at);
        System.arraycopy(insert, 0, out, at, insert.length);
        System.arraycopy(b, at + remove, out, at + insert.length, b.length - at - remove);
        return out;
    }

    // ---------------------------------------------------------------- protobuf field mutations

    private static byte[] mutateProto(Onnx.ModelProto m, Random r, StringBuilder d) {
        Onnx.ModelProto.Builder mb = m.toBuilder();
        Onnx.GraphProto.Builder g = mb.getGraphBuilder();
        int edits = 1 + r.nextInt(3);
        for (int e = 0; e < edits; e++) {
            editGraph(g, r, d);
        }
        if (r.nextInt(10) == 0) {
            d.append("; drop opset imports and ir_version");
            mb.clearOpsetImport().clearIrVersion();
        }
        return mb.build().toByteArray();
    }

    private static void editGraph(Onnx.GraphProto.Builder g, Random r, StringBuilder d) {
        int nodes = g.getNodeCount();
        int inits = g.getInitializerCount();
        switch (r.nextInt(14)) {
            case 0 -> onNode(g, r, d, "remove an input", n -> n.getInputCount() == 0 ? n
                    : removeAt(n, r.nextInt(n.getInputCount()), true));
            case 1 -> onNode(g, r, d, "remove an output", n -> n.getOutputCount() == 0 ? n
                    : removeAt(n, r.nextInt(n.getOutputCount()), false));
            case 2 -> {
                if (nodes > 0) {
                    int i = r.nextInt(nodes);
                    d.append("; delete node ").append(i);
                    g.removeNode(i);
                }
            }
            case 3 -> {
                if (nodes > 0) {
                    int i = r.nextInt(nodes);
                    d.append("; duplicate node ").append(i);
                    g.addNode(g.getNode(i));
                }
            }
            case 4 -> {
                if (inits > 0) {
                    int i = r.nextInt(inits);
                    d.append("; delete initializer ").append(g.getInitializer(i).getName());
                    g.removeInitializer(i);
                }
            }
            case 5 -> onInitializer(g, r, d, "remove a dim", t -> {
                if (t.getDimsCount() == 0) {
                    return t.addDims(2);
                }
                List<Long> dims = new ArrayList<>(t.getDimsList());
                dims.remove(r.nextInt(dims.size()));
                return t.clearDims().addAllDims(dims);
            });
            case 6 -> onInitializer(g, r, d, "set an odd dim", t -> {
                long[] odd = {0, -1, -1_000_000, 1L << 40, Long.MAX_VALUE, Long.MIN_VALUE, 3};
                long v = odd[r.nextInt(odd.length)];
                return t.getDimsCount() == 0 ? t.addDims(v) : t.setDims(r.nextInt(t.getDimsCount()), v);
            });
            case 7 -> onInitializer(g, r, d, "set an odd data type", t -> t.setDataType(r.nextInt(30) - 2));
            case 8 -> onInitializer(g, r, d, "cut its raw data", t -> t.setRawData(
                    t.getRawData().substring(0, r.nextInt(t.getRawData().size() + 1))));
            case 9 -> onNode(g, r, d, "read a later node's output", n -> nodes == 0 ? n
                    : n.addInput(g.getNode(r.nextInt(nodes)).getOutputCount() == 0 ? "x"
                    : g.getNode(r.nextInt(nodes)).getOutput(0)));
            case 10 -> onNode(g, r, d, "drop an attribute", n -> n.getAttributeCount() == 0 ? n
                    : n.removeAttribute(r.nextInt(n.getAttributeCount())));
            case 11 -> onNode(g, r, d, "rename an output to an existing value", n -> n.getOutputCount() == 0
                    || g.getInputCount() == 0 ? n : n.setOutput(0, g.getInput(0).getName()));
            case 12 -> {
                if (g.getOutputCount() > 0) {
                    d.append("; drop a graph output");
                    g.removeOutput(r.nextInt(g.getOutputCount()));
                } else {
                    d.append("; add a dangling graph output");
                    g.addOutput(Onnx.ValueInfoProto.newBuilder().setName("nowhere"));
                }
            }
            default -> {
                if (g.getInputCount() > 0) {
                    int i = r.nextInt(g.getInputCount());
                    d.append("; set an odd dim on input ").append(i);
                    Onnx.ValueInfoProto.Builder in = g.getInputBuilder(i);
                    Onnx.TensorShapeProto.Builder shape = in.getTypeBuilder().getTensorTypeBuilder().getShapeBuilder();
                    shape.addDim(Onnx.TensorShapeProto.Dimension.newBuilder()
                            .setDimValue(r.nextBoolean() ? -5 : Long.MAX_VALUE));
                }
            }
        }
    }

    private static Onnx.NodeProto.Builder removeAt(Onnx.NodeProto.Builder n, int i, boolean input) {
        List<String> names = new ArrayList<>(input ? n.getInputList() : n.getOutputList());
        names.remove(i);
        return input ? n.clearInput().addAllInput(names) : n.clearOutput().addAllOutput(names);
    }

    private static void onNode(Onnx.GraphProto.Builder g, Random r, StringBuilder d, String what,
                               UnaryOperator<Onnx.NodeProto.Builder> edit) {
        if (g.getNodeCount() == 0) {
            return;
        }
        int i = r.nextInt(g.getNodeCount());
        d.append("; node ").append(i).append(": ").append(what);
        g.setNode(i, edit.apply(g.getNode(i).toBuilder()));
    }

    private static void onInitializer(Onnx.GraphProto.Builder g, Random r, StringBuilder d, String what,
                                      UnaryOperator<Onnx.TensorProto.Builder> edit) {
        if (g.getInitializerCount() == 0) {
            return;
        }
        int i = r.nextInt(g.getInitializerCount());
        d.append("; initializer ").append(g.getInitializer(i).getName()).append(": ").append(what);
        g.setInitializer(i, edit.apply(g.getInitializer(i).toBuilder()));
    }
}
