package dev.onnxpress.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.onnxpress.cli.Main;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The same recipe with the same seed, run twice through the CLI, writes a byte-identical model and the
 * same JSON report apart from timings (prune, share with random centroid seeds, pack_huffman on the
 * bundled LeNet-5 and 200 of its bundled test images).
 */
class SameRecipeSameBytesIT {
    /** Keys whose values are measured times or depend on the machine's speed. */
    static final Pattern TIMING = Pattern.compile(".*(_ms|_seconds|latency.*|duration.*|elapsed.*|timestamp|started.*|"
            + "finished.*|time.*|.*_per_s)");

    @TempDir
    Path dir;

    @Test
    void twoRunsWriteTheSameModelAndReport() throws Exception {
        Path examples = Path.of(System.getProperty("user.dir")).getParent().resolve("examples");
        Path model = examples.resolve("lenet5_fashion").resolve("model.onnx");
        Path data = examples.resolve("data");
        // the bundled example's steps that draw random numbers or build new nodes, on 200 test images
        Path recipe = dir.resolve("determinism.recipe");
        Files.writeString(recipe, "recipe \"determinism\" version 1\n"
                + "data test = idx(images=\"" + data.resolve("t1k-images-idx3-ubyte.gz") + "\", labels=\""
                + data.resolve("t1k-labels-idx1-ubyte.gz") + "\", scale=1/255, count=200)\n"
                + "verify using test { accuracy max_drop 5% }\n"
                + "prune_magnitude(sparsity=60%, layers=op(\"Gemm\") + op(\"Conv\"))\n"
                + "share_weights(bits=5, layers=all, init=random)\n"
                + "pack_huffman()\n");
        byte[][] models = new byte[2][];
        JsonNode[] reports = new JsonNode[2];
        for (int run = 0; run < 2; run++) {
            // the same paths both times (the report names them)
            Path out = dir.resolve("out.onnx");
            Path json = dir.resolve("report.json");
            Main.Execution e = Main.execute("run", recipe.toString(), "-i", model.toString(), "-o", out.toString(),
                    "--report-json", json.toString(), "--latency-runs", "1", "--seed", "7");
            assertThat(e.exitCode()).as("exit code; stderr:\n%s", e.err()).isZero();
            models[run] = Files.readAllBytes(out);
            assertThat(new String(models[run], java.nio.charset.StandardCharsets.ISO_8859_1))
                    .as("the model is packed").contains("HuffmanDecode");
            reports[run] = withoutTimings(new ObjectMapper().readTree(json.toFile()));
            Files.deleteIfExists(out);
            Files.delete(json);
        }
        assertThat(models[1]).as("model bytes of the second run").isEqualTo(models[0]);
        assertThat(reports[1]).as("JSON report apart from timings").isEqualTo(reports[0]);
    }

    static JsonNode withoutTimings(JsonNode n) {
        if (n.isObject()) {
            ObjectNode o = (ObjectNode) n;
            Iterator<Map.Entry<String, JsonNode>> it = o.fields();
            while (it.hasNext()) {
                Map.Entry<String, JsonNode> e = it.next();
                if (TIMING.matcher(e.getKey()).matches()) {
                    it.remove();
                } else {
                    withoutTimings(e.getValue());
                }
            }
        } else if (n.isArray()) {
            n.forEach(SameRecipeSameBytesIT::withoutTimings);
        }
        return n;
    }
}
