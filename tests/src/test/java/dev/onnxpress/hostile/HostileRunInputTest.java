package dev.onnxpress.hostile;

import static org.assertj.core.api.Assertions.assertThat;

import dev.onnxpress.cli.Main;
import dev.onnxpress.ir.DataType;
import dev.onnxpress.proto.Onnx;
import dev.onnxpress.testing.ProtoModels;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Models, data files and recipes that are valid enough to start a run but would make it fail inside (ORT's
 * "no outputs requested", NegativeArraySizeException, IndexOutOfBoundsException), take unbounded time or
 * memory (a gzip bomb, a model whose activations exceed the machine), or loop without end (repeat): each is
 * exit 2 with one line saying what and which limit, and no output file.
 */
class HostileRunInputTest {
    @TempDir
    Path dir;

    private Path write(String name, byte[] bytes) throws IOException {
        return Files.write(dir.resolve(name), bytes);
    }

    private static byte[] relu(Object... dims) {
        return ProtoModels.graph("relu")
                .input("x", DataType.FLOAT, dims)
                .node("Relu", List.of("x"), List.of("y"))
                .output("y", DataType.FLOAT, dims)
                .toBytes();
    }

    /** Runs the command; asserts exit 2, one "onnxpress:" line (the last), no trace, no output model. */
    private String refused(String... args) {
        Main.Execution e = Main.execute(args);
        assertThat(e.exitCode()).as(e.err()).isEqualTo(2);
        List<String> lines = e.err().lines().toList();
        assertThat(lines.get(lines.size() - 1)).startsWith("onnxpress: ");
        assertThat(lines.stream().filter(l -> l.startsWith("onnxpress"))).hasSize(1);
        assertThat(e.err()).doesNotContain("Exception", "\tat ", "internal error");
        assertThat(dir.resolve("out.onnx")).doesNotExist();
        return lines.get(lines.size() - 1);
    }

    private String p(String name) {
        return dir.resolve(name).toString();
    }

    @Test
    void modelWithoutGraphOutputs() throws IOException {
        Onnx.ModelProto m = ProtoModels.graph("silent")
                .input("x", DataType.FLOAT, 1, 4)
                .node("Relu", List.of("x"), List.of("y"))
                .toModel();
        write("m.onnx", m.toByteArray());
        assertThat(refused("run", "-p", "remove_identity", "-i", p("m.onnx"), "-o", p("out.onnx")))
                .contains("no graph outputs");
    }

    @Test
    void absurdDeclaredInputShapeIsRefusedBeforeAllocating() throws IOException {
        write("m.onnx", relu(1_000_000L, 1_000_000L));
        assertThat(refused("run", "-p", "remove_identity", "-i", p("m.onnx"), "-o", p("out.onnx")))
                .contains("memory budget", "TB");
    }

    @Test
    void memoryBudgetOptionRefusesAModelThatNeedsMore() throws IOException {
        write("m.onnx", relu(1, 1000, 1000)); // 4 MB in, 4 MB out
        assertThat(refused("run", "-p", "remove_identity", "-i", p("m.onnx"), "-o", p("out.onnx"),
                "--memory-budget", "1MB")).contains("8.0 MB", "--memory-budget");
        Main.Execution ok = Main.execute("run", "-p", "remove_identity", "-i", p("m.onnx"), "-o", p("out.onnx"),
                "--memory-budget", "64MB", "--latency-runs", "1");
        assertThat(ok.exitCode()).as(ok.err()).isZero();
        assertThat(refused("run", "-p", "remove_identity", "-i", p("m.onnx"), "-o", p("out2.onnx"),
                "--memory-budget", "lots")).contains("--memory-budget lots");
    }

    @Test
    void npyWithAZeroDimension() throws IOException {
        write("m.onnx", relu("batch", 1, 28, 28));
        write("empty.npy", npy("(0, 1, 28, 28)", new byte[0]));
        Files.writeString(dir.resolve("r.recipe"), "recipe \"r\" version 1\n"
                + "data d = npy(path=\"empty.npy\")\nverify using d { cosine >= 0.9 }\nremove_identity()\n");
        assertThat(refused("run", p("r.recipe"), "-i", p("m.onnx"), "-o", p("out.onnx")))
                .contains("empty.npy", "0 dimension");
    }

    @Test
    void idxGzipBombIsRefusedFromItsHeader() throws IOException {
        write("m.onnx", relu("batch", 28, 28));
        // 10 images declared, then about 3 GB of zeros in 3 MB of gzip
        ByteBuffer header = ByteBuffer.allocate(16).putInt(0x00000803).putInt(10).putInt(28).putInt(28);
        write("bomb.gz", bomb(header.array(), 48));
        Files.writeString(dir.resolve("r.recipe"), "recipe \"r\" version 1\n"
                + "data d = idx(images=\"bomb.gz\")\nverify using d { cosine >= 0.9 }\nremove_identity()\n");
        long t0 = System.nanoTime();
        assertThat(refused("run", p("r.recipe"), "-i", p("m.onnx"), "-o", p("out.onnx")))
                .contains("bomb.gz", "bytes after the data");
        assertThat((System.nanoTime() - t0) / 1e9).as("seconds to refuse").isLessThan(5);

        // a header declaring 4 GB: refused before inflating anything
        ByteBuffer huge = ByteBuffer.allocate(16).putInt(0x00000803).putInt(1 << 20).putInt(64).putInt(64);
        write("huge.gz", bomb(huge.array(), 32));
        Files.writeString(dir.resolve("r2.recipe"), "recipe \"r\" version 1\n"
                + "data d = idx(images=\"huge.gz\")\nverify using d { cosine >= 0.9 }\nremove_identity()\n");
        t0 = System.nanoTime();
        assertThat(refused("run", p("r2.recipe"), "-i", p("m.onnx"), "-o", p("out.onnx")))
                .contains("huge.gz", "limit is 2 GB");
        assertThat((System.nanoTime() - t0) / 1e9).as("seconds to refuse").isLessThan(5);
    }

    @Test
    void repeatThatNeverSettlesSaysSo() throws IOException {
        write("m.onnx", ProtoModels.graph("mm")
                .input("x", DataType.FLOAT, 1, 16)
                .initializer("w", dev.onnxpress.ir.Tensor.ofFloats(new long[] {16, 16}, weights(256)))
                .node("MatMul", List.of("x", "w"), List.of("y"))
                .output("y", DataType.FLOAT, 1, 16)
                .toBytes());
        Main.Execution e = Main.execute("run", "-p", "repeat max 3 { prune_magnitude(sparsity=10%) }", "-i",
                p("m.onnx"), "-o", p("out.onnx"), "--latency-runs", "1", "--report-json", p("r.json"));
        // prune_magnitude prunes 10% of what is left each round: it never reaches a fixed point
        assertThat(e.out()).contains("no fixed point");
        assertThat(Files.readString(dir.resolve("r.json"))).contains("no fixed point");
    }

    @Test
    void repeatMaxBeyondTheLimit() throws IOException {
        write("m.onnx", relu(1, 4));
        assertThat(refused("run", "-p", "repeat max 1000000 { prune_magnitude(sparsity=10%) }", "-i", p("m.onnx"),
                "-o", p("out.onnx"))).contains("1000000", "limit of 100");
    }

    private static float[] weights(int n) {
        float[] w = new float[n];
        for (int i = 0; i < n; i++) {
            w[i] = (float) Math.sin(i * 0.37) + 0.01f * i;
        }
        return w;
    }

    /** A gzip stream: {@code header} then zeros, as {@code members} concatenated members of 64 MB each. */
    static byte[] bomb(byte[] header, int members) throws IOException {
        byte[] zeros = new byte[1 << 20];
        ByteArrayOutputStream one = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(one)) {
            for (int i = 0; i < 64; i++) {
                gz.write(zeros);
            }
        }
        ByteArrayOutputStream first = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(first)) {
            gz.write(header);
            gz.write(zeros);
        }
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        all.write(first.toByteArray());
        for (int i = 0; i < members; i++) {
            all.write(one.toByteArray());
        }
        return all.toByteArray();
    }

    /** A version 1.0 .npy file of float32. */
    static byte[] npy(String shape, byte[] data) {
        String dict = "{'descr': '<f4', 'fortran_order': False, 'shape': " + shape + ", }";
        int total = 10 + dict.length() + 1;
        int pad = (64 - total % 64) % 64;
        String header = dict + " ".repeat(pad) + "\n";
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0});
        out.write(header.length() & 0xff);
        out.write(header.length() >> 8);
        out.writeBytes(header.getBytes(StandardCharsets.ISO_8859_1));
        out.writeBytes(data);
        return out.toByteArray();
    }
}
