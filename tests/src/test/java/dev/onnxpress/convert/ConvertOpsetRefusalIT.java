package dev.onnxpress.convert;

import static org.assertj.core.api.Assertions.assertThat;

import dev.onnxpress.cli.Main;
import dev.onnxpress.ir.Attr;
import dev.onnxpress.ir.DataType;
import dev.onnxpress.ir.Model;
import dev.onnxpress.ir.ModelReader;
import dev.onnxpress.ir.ModelWriter;
import dev.onnxpress.ir.Tensor;
import dev.onnxpress.testing.GraphBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * From the command line, a conversion convert_opset cannot make exactly ends with exit 2, one line naming
 * the node, and no output written; one it can make (Pad mode=wrap below 19, rewritten) is verified in
 * ONNX Runtime and written at the target opset.
 */
class ConvertOpsetRefusalIT {
    @TempDir
    Path dir;

    private Main.Execution run(Model m, int target) throws Exception {
        Path in = dir.resolve("in.onnx");
        Files.write(in, ModelWriter.toBytes(m));
        Path recipe = dir.resolve("recipe.txt");
        Files.writeString(recipe, "recipe \"opset\" version 1\nconvert_opset(target=" + target + ")\n");
        return Main.execute("run", recipe.toString(), "-i", in.toString(), "-o", dir.resolve("out.onnx").toString(),
                "--latency-runs", "1");
    }

    private static Model wrapPad(boolean knownShape) {
        GraphBuilder b = GraphBuilder.model("g").opset(19).input("x", DataType.FLOAT, 2, 3, 4)
                .initializer("pads", Tensor.ofLongs(new long[] {6}, 0, 1, 2, 0, 2, 1));
        if (knownShape) {
            b.node("Relu", List.of("x"), List.of("r"));
        } else {
            b.input("shape", DataType.INT64, 3).node("Reshape", List.of("x", "shape"), List.of("r"));
        }
        return b.node("Pad", List.of("r", "pads"), List.of("y"), Map.of("mode", Attr.of("wrap"))).output("y").build();
    }

    @Test
    void aConversionWithoutAnEquivalentExitsTwoWithOneLineAndWritesNothing() throws Exception {
        Main.Execution r = run(wrapPad(false), 13);
        assertThat(r.exitCode()).as(r.err()).isEqualTo(2);
        assertThat(r.err().strip()).doesNotContain("\n").contains("node 'Pad' (Pad): mode=wrap does not exist before"
                + " opset 19").doesNotContain("Exception");
        assertThat(dir.resolve("out.onnx")).doesNotExist();
    }

    @Test
    void aRewrittenConversionIsVerifiedAndWritten() throws Exception {
        Main.Execution r = run(wrapPad(true), 13);
        assertThat(r.exitCode()).as(r.err()).isZero();
        Model out = ModelReader.read(dir.resolve("out.onnx"));
        assertThat(out.defaultOpset()).isEqualTo(13);
        assertThat(out.graph().opHistogram()).doesNotContainKey("Pad").containsKey("Gather");
    }
}
