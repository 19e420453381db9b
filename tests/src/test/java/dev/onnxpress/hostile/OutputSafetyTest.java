package dev.onnxpress.hostile;

import static org.assertj.core.api.Assertions.assertThat;

import dev.onnxpress.cli.Main;
import dev.onnxpress.ir.DataType;
import dev.onnxpress.ir.Tensor;
import dev.onnxpress.testing.ProtoModels;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.DisabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the commands may write: no output may be an input (model, external data, recipe) or another output,
 * an output must be a plain file path, copy --per-tensor replaces nothing it did not create, a report that
 * cannot be written leaves no model behind, and stale temporary files of dead runs are swept. Every refusal
 * is exit 2 with one line, and no file in the folder changes.
 */
class OutputSafetyTest {
    @TempDir
    Path dir;

    /** y = x + b with a 64-float b, enough to move to external data. */
    private Path model(String name) throws IOException {
        float[] b = new float[64];
        for (int i = 0; i < b.length; i++) {
            b[i] = i * 0.5f;
        }
        byte[] bytes = ProtoModels.graph("add")
                .input("x", DataType.FLOAT, 1, 64)
                .initializer("b", Tensor.ofFloats(new long[] {64}, b))
                .node("Add", List.of("x", "b"), List.of("y"))
                .output("y", DataType.FLOAT, 1, 64)
                .toBytes();
        return Files.write(dir.resolve(name), bytes);
    }

    /** Every file below {@link #dir} (links and FIFOs not followed) with a digest of its content or its kind. */
    private Map<String, String> snapshot() throws IOException {
        Map<String, String> m = new TreeMap<>();
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                String key = dir.relativize(p).toString();
                if (Files.isSymbolicLink(p)) {
                    m.put(key, "link->" + Files.readSymbolicLink(p));
                } else if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                    m.put(key, "dir");
                } else if (!Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
                    m.put(key, "special");
                } else {
                    m.put(key, sha(Files.readAllBytes(p)));
                }
            }
        }
        return m;
    }

    private static String sha(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    private void assertRefusedAndUnchanged(Map<String, String> before, String[] args, String... facts)
            throws IOException {
        Main.Execution e = Main.execute(args);
        assertThat(e.exitCode()).as(e.err() + e.out()).isEqualTo(2);
        // a refusal after the run has started follows the steps' progress lines: it is the last line
        List<String> lines = e.err().lines().toList();
        String last = lines.get(lines.size() - 1);
        assertThat(last).startsWith("onnxpress: ");
        assertThat(lines.stream().filter(l -> l.startsWith("onnxpress"))).hasSize(1);
        assertThat(e.err()).doesNotContain("Exception", "\tat ", "internal error");
        for (String f : facts) {
            assertThat(last).contains(f);
        }
        assertThat(snapshot()).as("files after " + String.join(" ", args)).isEqualTo(before);
    }

    private String p(String name) {
        return dir.resolve(name).toString();
    }

    @Test
    void reportOverTheInputModelIsRefused() throws IOException {
        model("m.onnx");
        Map<String, String> before = snapshot();
        assertRefusedAndUnchanged(before, new String[] {"run", "-p", "remove_identity", "-i", p("m.onnx"),
                "-o", p("out.onnx"), "--report-json", p("m.onnx")}, "JSON report", "input model");
        assertRefusedAndUnchanged(before, new String[] {"run", "-p", "remove_identity", "-i", p("m.onnx"),
                "-o", p("out.onnx"), "--report-html", p("./m.onnx")}, "HTML report", "input model");
    }

    @Test
    void reportOverTheRecipeIsRefused() throws IOException {
        model("m.onnx");
        Files.writeString(dir.resolve("r.recipe"), "remove_identity()\n");
        Map<String, String> before = snapshot();
        assertRefusedAndUnchanged(before, new String[] {"run", p("r.recipe"), "-i", p("m.onnx"),
                "-o", p("out.onnx"), "--report-html", p("r.recipe")}, "HTML report", "recipe");
    }

    @Test
    void outputsThatAreTheSameFileAreRefused() throws IOException {
        model("m.onnx");
        Map<String, String> before = snapshot();
        assertRefusedAndUnchanged(before, new String[] {"run", "-p", "remove_identity", "-i", p("m.onnx"),
                "-o", p("out.onnx"), "--report-json", p("r"), "--report-html", p("r")}, "same file");
        assertRefusedAndUnchanged(before, new String[] {"run", "-p", "remove_identity", "-i", p("m.onnx"),
                "-o", p("out.onnx"), "--report-json", p("out.onnx")}, "same file");
        // the same file under a second (hard link) name
        Files.createLink(dir.resolve("alias.onnx"), dir.resolve("m.onnx"));
        Map<String, String> withLink = snapshot();
        assertRefusedAndUnchanged(withLink, new String[] {"run", "-p", "remove_identity", "-i", p("m.onnx"),
                "-o", p("out.onnx"), "--report-json", p("alias.onnx")}, "input model");
    }

    @Test
    void sensitivityHtmlOverItsInputsIsRefused() throws IOException {
        model("m.onnx");
        Files.write(dir.resolve("images.idx"), new byte[16]);
        Map<String, String> before = snapshot();
        assertRefusedAndUnchanged(before, new String[] {"sensitivity", p("m.onnx"), "--data", p("images.idx"),
                "--html", p("m.onnx")}, "input model");
        assertRefusedAndUnchanged(before, new String[] {"sensitivity", p("m.onnx"), "--data", p("images.idx"),
                "--html", p("images.idx")}, "--data");
    }

    @Test
    void runNeverReplacesTheInputsExternalData() throws IOException {
        model("m.onnx");
        // a.onnx keeps its weights in "b.onnx.data": the file a run writing b.onnx would use
        Main.Execution c = Main.execute("copy", p("m.onnx"), p("sub/b.onnx"), "--external-data",
                "--external-threshold", "0");
        assertThat(c.exitCode()).as(c.err()).isZero();
        Files.move(dir.resolve("sub/b.onnx"), dir.resolve("sub/a.onnx"));
        Map<String, String> before = snapshot();
        assertRefusedAndUnchanged(before, new String[] {"run", "-p", "remove_identity", "-i", p("sub/a.onnx"),
                "-o", p("sub/b.onnx")}, "b.onnx.data", "external data file of the input model");
    }

    @Test
    void copyPerTensorReplacesNoFileItDidNotCreate() throws IOException {
        model("m.onnx");
        Files.createDirectories(dir.resolve("out"));
        Files.writeString(dir.resolve("out/b.bin"), "another model's tensor");
        Map<String, String> before = snapshot();
        assertRefusedAndUnchanged(before, new String[] {"copy", p("m.onnx"), p("out/copy.onnx"), "--per-tensor",
                "--external-threshold", "0"}, "b.bin", "already exists", "--force");
        Main.Execution forced = Main.execute("copy", p("m.onnx"), p("out/copy.onnx"), "--per-tensor",
                "--external-threshold", "0", "--force");
        assertThat(forced.exitCode()).as(forced.err()).isZero();
        assertThat(Files.size(dir.resolve("out/b.bin"))).isEqualTo(64 * 4);
    }

    @Test
    void copyPerTensorNeverReplacesTheInputEvenWithForce() throws IOException {
        model("m.onnx");
        Main.Execution c = Main.execute("copy", p("m.onnx"), p("in/m.onnx"), "--per-tensor",
                "--external-threshold", "0");
        assertThat(c.exitCode()).as(c.err()).isZero();
        Map<String, String> before = snapshot();
        assertRefusedAndUnchanged(before, new String[] {"copy", p("in/m.onnx"), p("in/copy.onnx"), "--per-tensor",
                "--external-threshold", "0", "--force"}, "b.bin", "input model");
    }

    @Test
    @DisabledOnOs(OS.WINDOWS)
    void outputThatIsNotAPlainFilePathIsRefused() throws Exception {
        model("m.onnx");
        Process mk = new ProcessBuilder("mkfifo", p("fifo")).start();
        assertThat(mk.waitFor()).isZero();
        Files.createSymbolicLink(dir.resolve("link.onnx"), dir.resolve("elsewhere.onnx"));
        Files.createDirectories(dir.resolve("folder"));
        Map<String, String> before = snapshot();
        for (String out : new String[] {p("fifo"), p("link.onnx"), p("newdir") + "/", p("folder")}) {
            assertRefusedAndUnchanged(before, new String[] {"run", "-p", "remove_identity", "-i", p("m.onnx"),
                    "-o", out}, "output");
            assertRefusedAndUnchanged(before, new String[] {"copy", p("m.onnx"), out}, "output");
        }
        assertRefusedAndUnchanged(before, new String[] {"run", "-p", "remove_identity", "-i", p("m.onnx"),
                "-o", p("out.onnx"), "--report-json", p("fifo")}, "JSON report", "not a regular file");
    }

    @Test
    void aReportThatCannotBeWrittenLeavesNoModel() throws IOException {
        model("m.onnx");
        Files.writeString(dir.resolve("plain"), "a file, so plain/r.json cannot be created");
        Map<String, String> before = snapshot();
        assertRefusedAndUnchanged(before, new String[] {"run", "-p", "remove_identity", "-i", p("m.onnx"),
                "-o", p("out.onnx"), "--report-json", p("plain/r.json")}, "JSON report");
        assertRefusedAndUnchanged(before, new String[] {"run", "-p", "remove_identity", "-i", p("m.onnx"),
                "-o", p("out.onnx"), "--report-html", p("plain/r.html")}, "HTML report");
    }

    @Test
    void staleTemporaryFilesOfDeadRunsAreRemoved() throws IOException {
        model("m.onnx");
        long old = System.currentTimeMillis() - 3_600_000;
        // pid 2^22+1 is beyond Linux's pid_max default: no such process; pid 1 (init) is alive
        Path dead = Files.writeString(dir.resolve(".out.onnx.onnxpress-4194305-123.tmp"), "half a model");
        Path alive = Files.writeString(dir.resolve(".out.onnx.onnxpress-1-456.tmp"), "another run's");
        Path notOurs = Files.writeString(dir.resolve(".out.onnx.789.tmp"), "someone else's");
        for (Path f : List.of(dead, alive, notOurs)) {
            Files.setLastModifiedTime(f, FileTime.fromMillis(old));
        }
        Main.Execution e = Main.execute("run", "-p", "remove_identity", "-i", p("m.onnx"), "-o", p("out.onnx"));
        assertThat(e.exitCode()).as(e.err()).isZero();
        assertThat(dead).doesNotExist();
        assertThat(alive).exists();
        assertThat(notOurs).exists();
        try (Stream<Path> left = Files.list(dir)) {
            assertThat(left.map(f -> f.getFileName().toString()).filter(n -> n.endsWith(".tmp")))
                    .containsExactlyInAnyOrder(alive.getFileName().toString(), notOurs.getFileName().toString());
        }
    }
}
