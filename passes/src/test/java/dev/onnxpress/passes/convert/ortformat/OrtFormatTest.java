package dev.onnxpress.passes.convert.ortformat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.onnxpress.error.UserException;
import dev.onnxpress.ir.DataType;
import dev.onnxpress.ir.Model;
import dev.onnxpress.ir.Tensor;
import dev.onnxpress.ort.OrtFormat;
import dev.onnxpress.ort.OrtRunner;
import dev.onnxpress.passes.NoDataContext;
import dev.onnxpress.testing.GraphBuilder;
import dev.onnxpress.testing.OrtEquivalence;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OrtFormatTest {
    @Test
    void writesAnOrtFileOrtLoadsAndRunsTheSame(@TempDir Path dir) throws Exception {
        Model m = GraphBuilder.model("g").input("x", DataType.FLOAT, 2, 3)
                .initializer("w", Tensor.ofFloats(new long[] {3}, 1, -2, 0.5f))
                .node("Mul", List.of("x", "w"), List.of("a"))
                .node("Relu", List.of("a"), List.of("y"))
                .output("y", DataType.FLOAT, 2, 3).build();
        byte[] before = dev.onnxpress.ir.ModelWriter.toBytes(m);
        dev.onnxpress.passes.PassResult asked = new SaveOrtFormatPass().run(m, new SaveOrtFormatOptions(),
                new NoDataContext());
        // an option of the run's output, not a change of the graph
        assertThat(asked.outputs()).containsExactly(dev.onnxpress.passes.PassResult.Output.ORT_FORMAT);
        assertThat(asked.changed()).isFalse();
        assertThat(dev.onnxpress.ir.ModelWriter.toBytes(m)).isEqualTo(before);
        Path ort = OrtFormat.besides(dir.resolve("model.onnx"));
        assertThat(ort.getFileName().toString()).isEqualTo("model.ort");
        OrtFormat.write(m, ort);
        assertThat(Files.readAllBytes(ort)).hasSizeGreaterThan(100);
        OrtEquivalence ref = OrtEquivalence.capture(m);
        try (OrtRunner r = OrtRunner.open(ort)) {
            Map<String, Tensor> got = r.run(ref.feeds());
            assertThat(got.get("y").toFloatArray()).containsExactly(ref.reference().get("y").toFloatArray());
        }
        try (var files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactly("model.ort");
        }
        assertThatThrownBy(() -> OrtFormat.write(m, dir.resolve("x.onnx"))).isInstanceOf(UserException.class)
                .hasMessageEndingWith("must end in .ort");
    }
}
