package dev.onnxpress.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.onnxpress.cli.Main;
import dev.onnxpress.testing.SharedFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** check, passes, the one-line run form, and bad input through the CLI: exit codes and exact lines. */
class RecipeCommandsIT {
    @TempDir
    Path dir;

    static final String TEST_DATA = "data test = idx(images=\"" + SharedFiles.data("fashion-mnist/t10k-images-idx3-ubyte.gz")
            + "\", labels=\"" + SharedFiles.data("fashion-mnist/t10k-labels-idx1-ubyte.gz") + "\", scale=1/255, count=50)\n";

    Path recipe(String text) throws Exception {
        Path r = dir.resolve("recipe.txt");
        Files.writeString(r, text);
        return r;
    }

    static String lenet() {
        return SharedFiles.model("lenet5_fashion").toString();
    }

    /** Exactly one line on stderr, and it is {@code expected}. */
    static void oneLine(Main.Execution run, int code, String expected) {
        assertThat(run.exitCode()).as(run.err()).isEqualTo(code);
        assertThat(run.err().strip().lines()).containsExactly(expected);
    }

    @Test
    void checkPrintsTheBoundPlanWithDefaults() throws Exception {
        Path r = recipe("recipe \"c\" version 1\n" + TEST_DATA + "verify using test { accuracy max_drop 1% }\n"
                + "strip_training_nodes()\nrepeat max 2 { remove_identity()  remove_dead_nodes() }\n");
        Main.Execution run = Main.execute("check", r.toString());
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).startsWith("# plan of " + r + ": \"c\", 3 steps\n");
        assertThat(run.out()).contains("verify using test { accuracy max_drop 1% }\n");
        assertThat(run.out()).containsPattern("\nstrip_training_nodes\\(training_info=true\\)  # "
                + Pattern.quote(r.toString()) + ":4:1\n");
        assertThat(run.out()).contains("repeat max 2 {\n  remove_identity(");
    }

    @Test
    void checkReportsTheFirstBindingErrorAsOneLine() throws Exception {
        Path r = recipe("recipe \"c\" version 1\n" + TEST_DATA + "strip_training_nodes()\nremove_identiy()\n");
        oneLine(Main.execute("check", r.toString()), 2,
                "onnxpress: " + r + ":4:1: unknown pass 'remove_identiy'; did you mean 'remove_identity'?");
        oneLine(Main.execute("check", "-p", "strip_training_nodes(training_info=maybe)"), 2,
                "onnxpress: command line:1:22: expected true or false for 'training_info' but got the word 'maybe'");
        oneLine(Main.execute("check", "-p", "strip_training_nodes("), 2,
                "onnxpress: command line:1:22: expected an argument or ')' after '(' but found end of input");
    }

    @Test
    void passesListsAndDocumentsFromTheOptionsRecords() {
        Main.Execution list = Main.execute("passes");
        assertThat(list.exitCode()).isZero();
        assertThat(list.out()).containsPattern("(?m)^strip_training_nodes +\\S");
        assertThat(list.out()).containsPattern("(?m)^remove_identity +\\S");
        Main.Execution one = Main.execute("passes", "strip_docs");
        assertThat(one.exitCode()).as(one.err()).isZero();
        assertThat(one.out()).startsWith("strip_docs — ");
        assertThat(one.out()).contains("parameters:\n  keep (list of strings, default [])\n");
        assertThat(one.out()).contains("  keep_producer (boolean, default true)\n");
        oneLine(Main.execute("passes", "strip_dox"), 2,
                "onnxpress: unknown pass 'strip_dox'; did you mean 'strip_docs'? ('onnxpress passes' lists them)");
    }

    @Test
    void oneLineRunUsesRandomProbes() throws Exception {
        Path out = dir.resolve("out.onnx");
        Path json = dir.resolve("r.json");
        Main.Execution run = Main.execute("run", "-p", "strip_training_nodes, remove_identity()", "-i", lenet(),
                "-o", out.toString(), "--report-json", json.toString(), "--seed", "7", "--latency-runs", "1");
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(out).exists();
        var r = new ObjectMapper().readTree(json.toFile());
        assertThat(r.toString()).contains("random probes: 8 samples, seed 7");
        assertThat(r.at("/steps")).hasSize(2);
    }

    @Test
    void missingDataFileIsOneLineAtItsArgument() throws Exception {
        Path r = recipe("recipe \"c\" version 1\ndata test = idx(images=\"nope-images.gz\")\n"
                + "verify using test { cosine >= 0.9 }\nstrip_training_nodes()\n");
        Path out = dir.resolve("out.onnx");
        oneLine(Main.execute("run", r.toString(), "-i", lenet(), "-o", out.toString()), 2,
                "onnxpress: " + r + ":2:17: data 'test': file not found: " + dir.resolve("nope-images.gz"));
        assertThat(out).doesNotExist();
    }

    @Test
    void malformedDataFileIsOneLineAtItsDeclaration() throws Exception {
        Files.write(dir.resolve("bad-images.gz"), new byte[] {0x1f, (byte) 0x8b, 8, 0, 1, 2, 3});
        Files.write(dir.resolve("raw-images"), new byte[] {0, 0, 8, 3, 0, 0, 0, 9, 0, 0});
        for (String file : new String[] {"bad-images.gz", "raw-images"}) {
            Path r = recipe("recipe \"c\" version 1\ndata test = idx(images=\"" + file + "\")\n"
                    + "verify using test { cosine >= 0.9 }\nstrip_training_nodes()\n");
            Path out = dir.resolve("out.onnx");
            Main.Execution run = Main.execute("run", r.toString(), "-i", lenet(), "-o", out.toString());
            assertThat(run.exitCode()).as(run.err()).isEqualTo(2);
            assertThat(run.err().strip().lines()).singleElement().asString()
                    .startsWith("onnxpress: " + r + ":2:1: data 'test': ").contains(file);
            assertThat(out).doesNotExist();
        }
    }

    @Test
    void dataThatDoesNotFitTheModelIsOneLine() throws Exception {
        Path r = recipe("recipe \"c\" version 1\n" + TEST_DATA + "verify using test { cosine >= 0.9 }\n"
                + "strip_training_nodes()\n");
        Path out = dir.resolve("out.onnx");
        Main.Execution run = Main.execute("run", r.toString(), "-i",
                SharedFiles.model("ultraface_rfb640").toString(), "-o", out.toString());
        assertThat(run.exitCode()).as(run.err()).isEqualTo(2);
        assertThat(run.err().strip().lines()).singleElement().asString()
                .startsWith("onnxpress: " + r + ":2:1: data 'test': ").contains("input");
        assertThat(out).doesNotExist();
    }

    @Test
    void dataOfTheWrongElementTypeIsOneLine() throws Exception {
        // an .npy of strings cannot feed a float input
        byte[] header = "{'descr': '<U3', 'fortran_order': False, 'shape': (2, 1), }".getBytes();
        int padded = ((10 + header.length + 1 + 15) / 16) * 16 - 10;
        java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream();
        b.write(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, (byte) padded, 0});
        b.write(header);
        for (int i = header.length; i < padded - 1; i++) {
            b.write(' ');
        }
        b.write('\n');
        b.write(new byte[24]);
        Files.write(dir.resolve("s.npy"), b.toByteArray());
        Path r = recipe("recipe \"c\" version 1\ndata test = npy(path=\"s.npy\")\n"
                + "verify using test { cosine >= 0.9 }\nstrip_training_nodes()\n");
        Main.Execution run = Main.execute("run", r.toString(), "-i", lenet(), "-o", dir.resolve("o.onnx").toString());
        assertThat(run.exitCode()).as(run.err()).isEqualTo(2);
        assertThat(run.err().strip().lines()).singleElement().asString()
                .startsWith("onnxpress: " + r + ":2:1: data 'test': ");
    }

    @Test
    void refusesToOverwriteTheInputAndNeedsARecipe() throws Exception {
        Path copy = dir.resolve("m.onnx");
        Files.copy(SharedFiles.model("lenet5_fashion"), copy);
        byte[] before = Files.readAllBytes(copy);
        oneLine(Main.execute("run", "-p", "remove_identity", "-i", copy.toString(), "-o", copy.toString()), 2,
                "onnxpress: output " + copy + " is the input model; onnxpress never writes a file it reads: give"
                        + " another name");
        assertThat(Files.readAllBytes(copy)).isEqualTo(before);
        oneLine(Main.execute("run", dir.resolve("none.recipe").toString(), "-i", copy.toString()), 2,
                "onnxpress: recipe file not found: " + dir.resolve("none.recipe"));
        Main.Execution neither = Main.execute("run", "-i", copy.toString());
        assertThat(neither.exitCode()).isEqualTo(2);
        assertThat(neither.err()).contains("Missing recipe: give a RECIPE file or -p 'steps'");
    }
}
