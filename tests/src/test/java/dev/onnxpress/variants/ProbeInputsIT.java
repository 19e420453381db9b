package dev.onnxpress.variants;

import static org.assertj.core.api.Assertions.assertThat;

import dev.onnxpress.cli.Main;
import dev.onnxpress.ir.Attr;
import dev.onnxpress.ir.DataType;
import dev.onnxpress.ir.Model;
import dev.onnxpress.ir.ModelWriter;
import dev.onnxpress.ir.Tensor;
import dev.onnxpress.testing.GraphBuilder;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs without evaluation data: random probes must fit what the model declares and what its graph accepts
 * (Gather indices, shape tensors), {@code --dims input[axis]=N} sizes a dimension, and string inputs take
 * string data from files.
 */
class ProbeInputsIT {
    @TempDir
    Path dir;

    Path write(Model m) {
        Path p = dir.resolve("model.onnx");
        ModelWriter.write(m, p);
        return p;
    }

    Main.Execution run(Path model, String recipe, String... extra) throws Exception {
        Path r = dir.resolve("recipe.txt");
        Files.writeString(r, "recipe \"probes\" version 1\n" + recipe);
        List<String> args = new java.util.ArrayList<>(List.of("run", r.toString(), "-i", model.toString(), "-o",
                dir.resolve("out.onnx").toString(), "--latency-runs", "1"));
        args.addAll(List.of(extra));
        return Main.execute(args.toArray(String[]::new));
    }

    static float[] ramp(int n) {
        float[] f = new float[n];
        for (int i = 0; i < n; i++) {
            f[i] = (float) Math.cos(i * 0.7);
        }
        return f;
    }

    /** An embedding lookup: int64 token ids [batch, 4] index a 5-row table (random ints up to 9 would not). */
    static Model embedding() {
        return GraphBuilder.model("emb").opset(13)
                .input("ids", DataType.INT64, "batch", 4)
                .initializer("table", Tensor.ofFloats(new long[] {5, 3}, ramp(15)))
                .node("Gather", List.of("table", "ids"), List.of("e"))
                .node("Identity", List.of("e"), List.of("y"))
                .output("y", DataType.FLOAT, "batch", 4, 3)
                .build();
    }

    @Test
    void gatherIndicesStayWithinTheGatheredAxis() throws Exception {
        Main.Execution r = run(write(embedding()), "remove_identity()\n");
        assertThat(r.exitCode()).as(r.err()).isZero();
    }

    /** Shape-tensor inputs with static sizes: Split sizes [3] and a Reshape target [2], and a fixed [1,6,4] input. */
    static Model shapeInputs() {
        return GraphBuilder.model("shapes").opset(13)
                .input("x", DataType.FLOAT, 1, 6, 4)
                .input("splits", DataType.INT64, 3)
                .input("shape", DataType.INT64, 2)
                .node("Split", List.of("x", "splits"), List.of("a", "b", "c"), Map.of("axis", Attr.of(1L)))
                .node("Concat", List.of("c", "b", "a"), List.of("cat"), Map.of("axis", Attr.of(1L)))
                .node("Reshape", List.of("cat", "shape"), List.of("flat"))
                .node("Identity", List.of("flat"), List.of("y"))
                .output("y", DataType.FLOAT, "r", "k")
                .build();
    }

    @Test
    void shapeTensorInputsGetValuesTheirConsumersAccept() throws Exception {
        Main.Execution r = run(write(shapeInputs()), "remove_identity()\n");
        assertThat(r.exitCode()).as(r.err()).isZero();
    }

    @Test
    void whenNoValidProbeExistsTheMessageBlamesTheProbesAndNamesRealData() throws Exception {
        // the index is shifted before the Gather: nothing in the graph tells which ids are valid
        Model m = GraphBuilder.model("shifted").opset(13)
                .input("ids", DataType.INT64, "batch", 4)
                .initializer("table", Tensor.ofFloats(new long[] {5, 3}, ramp(15)))
                .initializer("shift", Tensor.ofLongs(new long[] {1}, 100))
                .node("Add", List.of("ids", "shift"), List.of("shifted"))
                .node("Gather", List.of("table", "shifted"), List.of("y"))
                .output("y", DataType.FLOAT, "batch", 4, 3)
                .build();
        Main.Execution r = run(write(m), "remove_identity()\n");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("random probes", "not the model", "onnx_test_data", "npy(")
                .doesNotContain("Exception");
    }

    @Test
    void dimsByInputAndAxisSizeThatDimension() throws Exception {
        Model m = GraphBuilder.model("dims").opset(13)
                .input("x", DataType.FLOAT, "batch", "len")
                .node("ReduceSum", List.of("x"), List.of("y"), Map.of("keepdims", Attr.of(0L)))
                .output("y", DataType.FLOAT)
                .build();
        Path model = write(m);
        Main.Execution missing = run(model, "remove_identity()\n");
        assertThat(missing.exitCode()).isEqualTo(2);
        Main.Execution r = run(model, "remove_identity()\n", "--dims", "x[1]=7");
        assertThat(r.exitCode()).as(r.err()).isZero();
    }

    /** Strings → ids through the ML domain's LabelEncoder → float. */
    static Model stringInput() {
        return GraphBuilder.model("labels").opset(13).opset("ai.onnx.ml", 2)
                .input("words", DataType.STRING, "batch", 2)
                .customNode("ai.onnx.ml", "LabelEncoder", List.of("words"), List.of("ids"), Map.of(
                        "keys_strings", Attr.ofStrings(List.of("cat", "dog")),
                        "values_int64s", Attr.ofInts(1, 2), "default_int64", Attr.of(0L)))
                .node("Cast", List.of("ids"), List.of("f"), Map.of("to", Attr.of((long) DataType.FLOAT.code())))
                .node("Identity", List.of("f"), List.of("y"))
                .output("y", DataType.FLOAT, "batch", 2)
                .build();
    }

    /** A .npy array of dtype {@code <U3}: UTF-32LE code points, NUL-padded. */
    static byte[] npyStrings(long n, long perSample, List<String> values) {
        String header = "{'descr': '<U3', 'fortran_order': False, 'shape': (" + n + ", " + perSample + "), }";
        int total = 10 + header.length() + 1;
        int pad = (64 - total % 64) % 64;
        header = header + " ".repeat(pad) + "\n";
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0});
        out.write(header.length() & 0xff);
        out.write(header.length() >> 8);
        out.writeBytes(header.getBytes(StandardCharsets.ISO_8859_1));
        for (String v : values) {
            for (int k = 0; k < 3; k++) {
                int c = k < v.length() ? v.charAt(k) : 0;
                out.writeBytes(new byte[] {(byte) c, (byte) (c >> 8), 0, 0});
            }
        }
        return out.toByteArray();
    }

    @Test
    void stringInputsTakeStringArraysAndRandomDataSaysWhatToGive() throws Exception {
        Path model = write(stringInput());
        Main.Execution refused = run(model, "remove_identity()\n");
        assertThat(refused.exitCode()).isEqualTo(2);
        assertThat(refused.err()).contains("'words'", "onnx_test_data", "dtype S or U");

        Path npy = dir.resolve("words.npy");
        Files.write(npy, npyStrings(3, 2, List.of("cat", "dog", "eel", "cat", "dog", "dog")));
        Main.Execution r = run(model, "data words = npy(path=\"" + npy + "\")\n"
                + "verify using words { cosine >= 0.9999 }\nremove_identity()\n");
        assertThat(r.exitCode()).as(r.err()).isZero();
    }
}
