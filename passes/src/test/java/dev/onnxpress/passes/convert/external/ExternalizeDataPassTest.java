package dev.onnxpress.passes.convert.external;

import static org.assertj.core.api.Assertions.assertThat;

import dev.onnxpress.ir.DataType;
import dev.onnxpress.ir.Model;
import dev.onnxpress.ir.ModelReader;
import dev.onnxpress.ir.ModelWriter;
import dev.onnxpress.ir.Tensor;
import dev.onnxpress.passes.NoDataContext;
import dev.onnxpress.passes.PassResult;
import dev.onnxpress.testing.GraphBuilder;
import dev.onnxpress.testing.OrtEquivalence;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ExternalizeDataPassTest {
    private static Model model() {
        return GraphBuilder.model("g").input("x", DataType.FLOAT, 4, 512)
                .initializer("big", Tensor.ofFloats(new long[] {512}, new float[512]))
                .initializer("small", Tensor.ofFloats(new long[] {1}, 2))
                .node("Add", List.of("x", "big"), List.of("a"))
                .node("Mul", List.of("a", "small"), List.of("y"))
                .output("y", DataType.FLOAT, 4, 512).build();
    }

    @Test
    void externalizeThenInternalizeChangesOnlyHowTheModelIsWritten(@TempDir Path dir) throws Exception {
        Model m = model();
        OrtEquivalence before = OrtEquivalence.capture(m);
        PassResult r = new ExternalizeDataPass().run(m, new ExternalizeDataOptions(1024, true), new NoDataContext());
        assertThat(r.statistics()).containsEntry("tensors_externalized", 1L).containsEntry("bytes_externalized", 2048L);
        Path out = dir.resolve("m.onnx");
        ModelWriter.Written w = ModelWriter.write(m, out);
        assertThat(w.dataFiles()).hasSize(1);
        assertThat(Files.size(out)).isLessThan(1024);
        Model back = ModelReader.read(out);
        before.assertBitIdentical(back);

        new InternalizeDataPass().run(back, new InternalizeDataOptions(), new NoDataContext());
        Path inline = dir.resolve("inline.onnx");
        assertThat(ModelWriter.write(back, inline).dataFiles()).isEmpty();
        assertThat(Files.size(inline)).isGreaterThan(2048);
        before.assertBitIdentical(ModelReader.read(inline));
        assertThat(new InternalizeDataPass().run(back, new InternalizeDataOptions(), new NoDataContext()).changed())
                .isFalse();
    }

    @Test
    void onePerTensor(@TempDir Path dir) {
        Model m = model();
        new ExternalizeDataPass().run(m, new ExternalizeDataOptions(0, false), new NoDataContext());
        assertThat(ModelWriter.write(m, dir.resolve("m.onnx")).dataFiles()).hasSize(2);
    }
}
