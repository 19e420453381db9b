package dev.onnxpress.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.onnxpress.ir.Model;
import dev.onnxpress.ir.ModelReader;
import dev.onnxpress.ir.ModelWriter;
import dev.onnxpress.ir.Tensor;
import dev.onnxpress.ort.OrtRunner;
import dev.onnxpress.pack.PackedNodes;
import dev.onnxpress.passes.FixedSamplesContext;
import dev.onnxpress.passes.NodeSelector;
import dev.onnxpress.passes.pack.PackHuffmanOptions;
import dev.onnxpress.passes.pack.PackHuffmanPass;
import dev.onnxpress.testing.OrtEquivalence;
import dev.onnxpress.testing.SharedFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UnpackCommandTest {

    @Test
    void unpackWritesAPlainModelStockOrtRunsWithTheSameOutputs(@TempDir Path dir) throws Exception {
        Model m = ModelReader.read(SharedFiles.model("lenet5_fashion"));
        Map<String, Tensor> feeds = OrtEquivalence.randomFeeds(m, 1, Map.of());
        Map<String, Tensor> before = OrtEquivalence.run(m, feeds);
        new PackHuffmanPass().run(m, new PackHuffmanOptions(NodeSelector.ALL, 1024),
                new FixedSamplesContext(List.of(), 1));
        Path packed = dir.resolve("packed.onnx");
        ModelWriter.write(m, packed);
        assertThat(ModelReader.read(packed).opsets()).containsKey(PackedNodes.DOMAIN);
        Path plain = dir.resolve("plain.onnx");
        Main.Execution run = Main.execute("unpack", packed.toString(), plain.toString());
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).contains("packed tensors decoded");
        try (OrtRunner ort = OrtRunner.open(plain)) {
            Map<String, Tensor> after = ort.run(feeds);
            for (String k : before.keySet()) {
                assertThat(after.get(k).rawBytes()).isEqualTo(before.get(k).rawBytes());
            }
        }
    }

    @Test
    void aMissingOrCorruptInputIsOneLineAndNoOutput(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("out.onnx");
        Main.Execution missing = Main.execute("unpack", dir.resolve("none.onnx").toString(), out.toString());
        assertThat(missing.exitCode()).isEqualTo(2);
        assertThat(missing.err().strip().lines().count()).isEqualTo(1);
        Path bad = dir.resolve("bad.onnx");
        Files.write(bad, new byte[] {8, 7, 18, 3, 'x'});
        Main.Execution corrupt = Main.execute("unpack", bad.toString(), out.toString());
        assertThat(corrupt.exitCode()).isEqualTo(2);
        assertThat(Files.exists(out)).isFalse();
    }
}
