package dev.onnxpress.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.onnxpress.ir.Model;
import dev.onnxpress.ir.ModelReader;
import dev.onnxpress.ir.ModelWriter;
import dev.onnxpress.testing.SharedFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CopyCommandTest {

    private static String sha(Path p) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p)));
    }

    private static List<String> files(Path dir) throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    /** The model as one inline protobuf: equal for two files means the same model. */
    private static byte[] canonical(Path p) {
        return ModelWriter.toBytes(ModelReader.read(p));
    }

    @Test
    void inlineToExternalAndBackKeepsTheModel(@TempDir Path dir) throws Exception {
        Path src = dir.resolve("in.onnx");
        Files.copy(SharedFiles.model("lenet5_fashion"), src);
        String before = sha(src);

        Path ext = dir.resolve("ext").resolve("m.onnx");
        Files.createDirectories(ext.getParent());
        Main.Execution e = Main.execute("copy", src.toString(), ext.toString(), "--external-data",
                "--external-threshold", "4096");
        assertThat(e.exitCode()).as(e.err()).isZero();
        assertThat(e.out()).startsWith("wrote " + ext);
        assertThat(files(ext.getParent())).containsExactly("m.onnx", "m.onnx.data");
        assertThat(Files.size(ext)).isLessThan(20_000);
        assertThat(canonical(ext)).isEqualTo(canonical(src));
        // inspect sees the same model, its data file counted apart from the model file
        com.fasterxml.jackson.databind.JsonNode j = new com.fasterxml.jackson.databind.ObjectMapper().readTree(
                Main.execute("inspect", ext.toString(), "--json").out());
        assertThat(j.get("file_bytes").asLong()).isEqualTo(Files.size(ext));
        assertThat(j.get("external_data_bytes").asLong()).isEqualTo(Files.size(ext.resolveSibling("m.onnx.data")));
        assertThat(j.get("parameters").asLong()).isEqualTo(431_080);
        assertThat(j.get("macs").asLong()).isEqualTo(2_293_000);

        Path perTensor = dir.resolve("per").resolve("m.onnx");
        Files.createDirectories(perTensor.getParent());
        assertThat(Main.execute("copy", ext.toString(), perTensor.toString(), "--per-tensor").exitCode()).isZero();
        assertThat(files(perTensor.getParent())).hasSizeGreaterThan(2).contains("m.onnx");

        Path back = dir.resolve("back.onnx");
        assertThat(Main.execute("copy", perTensor.toString(), back.toString(), "--inline").exitCode()).isZero();
        // the unchanged copy of an inline file is the same file, byte for byte
        assertThat(sha(back)).isEqualTo(before);
        assertThat(sha(src)).isEqualTo(before);
        // default placement keeps external tensors external
        Path kept = dir.resolve("ext").resolve("kept.onnx");
        assertThat(Main.execute("copy", ext.toString(), kept.toString()).exitCode()).isZero();
        assertThat(files(ext.getParent())).contains("kept.onnx.data");
    }

    @Test
    void refusesToOverwriteTheInput(@TempDir Path dir) throws Exception {
        Path src = dir.resolve("in.onnx");
        Files.copy(SharedFiles.model("mnist_cnn"), src);
        String before = sha(src);
        Files.createSymbolicLink(dir.resolve("link.onnx"), src);
        for (String out : new String[] {src.toString(), dir.resolve("./in.onnx").toString(),
                dir.resolve("link.onnx").toString()}) {
            Main.Execution e = Main.execute("copy", src.toString(), out);
            assertThat(e.exitCode()).as(out).isEqualTo(2);
            assertThat(e.err()).as(out).contains("is the input model").hasLineCount(1);
        }
        assertThat(sha(src)).isEqualTo(before);
        assertThat(files(dir)).containsExactly("in.onnx", "link.onnx");
    }

    @Test
    void refusesToReplaceTheInputsExternalData(@TempDir Path dir) throws Exception {
        Path src = dir.resolve("a.onnx");
        Model m = ModelReader.read(SharedFiles.model("mnist_cnn"));
        ModelWriter.write(m, src, ModelWriter.Options.external(1024, true));
        String data = sha(dir.resolve("a.onnx.data"));
        Path out = dir.resolve("a.onnx.data");
        Main.Execution e = Main.execute("copy", src.toString(), out.toString(), "--inline");
        assertThat(e.exitCode()).isEqualTo(2);
        assertThat(e.err()).contains("external data file of the input model");
        // a symlink named like the output's data file, leading to the input's data: refused, left as it is
        Path b = dir.resolve("sub");
        Files.createDirectories(b);
        Files.createSymbolicLink(b.resolve("x.onnx.data"), dir.resolve("a.onnx.data"));
        Main.Execution viaLink = Main.execute("copy", src.toString(), b.resolve("x.onnx").toString(), "--external-data",
                "--external-threshold", "0");
        assertThat(viaLink.exitCode()).as(viaLink.err()).isEqualTo(2);
        assertThat(viaLink.err()).contains("x.onnx.data").hasLineCount(1);
        assertThat(Files.isSymbolicLink(b.resolve("x.onnx.data"))).isTrue();
        assertThat(files(b)).containsExactly("x.onnx.data");
        // --per-tensor in the input's own folder: fine while no name collides with a file there
        Main.Execution perTensor = Main.execute("copy", src.toString(), dir.resolve("c.onnx").toString(),
                "--per-tensor");
        assertThat(perTensor.exitCode()).as(perTensor.err()).isZero();
        assertThat(sha(dir.resolve("a.onnx.data"))).isEqualTo(data);
    }

    @Test
    void inlineCannotBeCombinedWithExternalOptions(@TempDir Path dir) {
        Main.Execution e = Main.execute("copy", "a.onnx", dir.resolve("b.onnx").toString(), "--inline",
                "--external-data");
        assertThat(e.exitCode()).isEqualTo(2);
        assertThat(e.err()).contains("mutually exclusive");
        Main.Execution t = Main.execute("copy", "a.onnx", dir.resolve("b.onnx").toString(), "--inline",
                "--per-tensor");
        assertThat(t.exitCode()).isEqualTo(2);
        assertThat(t.err()).contains("--inline cannot be combined");
    }
}
