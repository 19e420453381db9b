package dev.onnxpress.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.onnxpress.error.UserException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JsonReportTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private static JsonNode parse(PipelineReport r) throws Exception {
        return MAPPER.readTree(JsonReport.toJson(r));
    }

    private static List<String> keys(JsonNode n) {
        List<String> keys = new ArrayList<>();
        n.fieldNames().forEachRemaining(keys::add);
        return keys;
    }

    @Test
    void topLevelAndNestedKeysAreTheContract() throws Exception {
        JsonNode root = parse(SampleReports.breach());
        assertThat(keys(root)).containsExactly("format_version", "input", "output", "recipe", "recipe_file", "data",
                "baseline", "steps", "outcome", "wall_seconds");
        assertThat(keys(root.get("input"))).containsExactly("path", "sha256", "bytes");
        assertThat(keys(root.get("baseline"))).containsExactly("accuracy", "latency_ms", "bytes", "parameters",
                "macs", "nodes");
        JsonNode step = root.get("steps").get(0);
        assertThat(keys(step)).containsExactly("pass", "options", "location", "attempt", "changed", "statistics",
                "skips", "notes", "bytes", "parameters", "nodes", "macs", "latency_ms", "metrics", "verdict",
                "checks", "warnings", "wall_seconds", "details");
        assertThat(keys(step.get("metrics"))).containsExactly("max_abs_error", "max_rel_error", "cosine",
                "top1_agreement", "accuracy");
        assertThat(step.get("verdict").asText()).isEqualTo("ok");
        assertThat(keys(step.get("checks").get(0))).containsExactly("text", "metric", "reference",
                "op", "bound", "measured", "passed");
        assertThat(keys(root.get("outcome"))).containsExactly("status", "message");
    }

    @Test
    void valuesRoundTrip() throws Exception {
        PipelineReport r = SampleReports.breach();
        JsonNode root = parse(r);
        assertThat(root.get("input").get("path").asText()).isEqualTo(SampleReports.INPUT_PATH);
        assertThat(root.get("input").get("sha256").asText()).isEqualTo("ab".repeat(32));
        assertThat(root.get("input").get("bytes").asLong()).isEqualTo(61_234_567L);
        assertThat(root.get("output").isNull()).isTrue();
        assertThat(root.get("recipe").asText()).isEqualTo(SampleReports.RECIPE);
        assertThat(root.get("baseline").get("accuracy").asDouble()).isEqualTo(0.9312);
        assertThat(root.get("baseline").get("macs").asLong()).isEqualTo(313_000_000L);
        assertThat(root.get("steps")).hasSize(4);

        JsonNode rejected = root.get("steps").get(1);
        assertThat(rejected.get("pass").asText()).isEqualTo("prune_channels");
        assertThat(rejected.get("options").asText()).isEqualTo("ratio=50%, layers=op(\"Conv\") - name(\"*head*\")");
        assertThat(rejected.get("location").asText()).isEqualTo("recipe.txt:6:3");
        assertThat(rejected.get("attempt").asText()).isEqualTo("r=50%");
        assertThat(rejected.get("changed").asBoolean()).isTrue();
        assertThat(rejected.get("statistics").get("channels_pruned").asInt()).isEqualTo(1200);
        assertThat(rejected.get("skips").get(0).get("where").asText()).isEqualTo("node 'conv<1>'");
        assertThat(rejected.get("skips").get(0).get("reason").asText()).endsWith(SampleReports.NASTY);
        assertThat(rejected.get("notes").get(0).asText()).isEqualTo("ratio applied per layer");
        assertThat(rejected.get("metrics").get("top1_agreement").asDouble()).isEqualTo(0.912);
        assertThat(rejected.get("metrics").get("max_abs_error").asDouble()).isEqualTo(3.25);
        assertThat(rejected.get("verdict").asText()).isEqualTo("breach");
        JsonNode check = rejected.get("checks").get(0);
        assertThat(check.get("bound").asDouble()).isEqualTo(0.98);
        assertThat(check.get("measured").asDouble()).isEqualTo(0.912);
        assertThat(check.get("op").asText()).isEqualTo(">=");

        assertThat(root.get("outcome").get("status").asText()).isEqualTo("tolerance_breach");
        assertThat(root.get("outcome").get("message").asText()).startsWith("recipe.txt:8:1: quantize_int8");
    }

    @Test
    void absentOptionalsAndNonFiniteNumbersAreNull() throws Exception {
        JsonNode root = parse(SampleReports.breach());
        JsonNode breach = root.get("steps").get(3);
        assertThat(breach.get("attempt").isNull()).isTrue();
        assertThat(breach.get("macs").isNull()).isTrue();
        assertThat(breach.get("metrics").get("max_abs_error").isNull()).isTrue();
        assertThat(breach.get("metrics").get("max_rel_error").isNull()).isTrue();
        assertThat(breach.get("metrics").get("cosine").isNull()).isTrue();
        assertThat(breach.get("metrics").get("accuracy").asDouble()).isEqualTo(0.4012);

        JsonNode unlabeled = parse(SampleReports.unlabeled());
        assertThat(unlabeled.get("baseline").get("accuracy").isNull()).isTrue();
        assertThat(unlabeled.get("baseline").get("macs").isNull()).isTrue();
        assertThat(unlabeled.get("steps").get(0).get("metrics").get("top1_agreement").isNull()).isTrue();
        assertThat(unlabeled.get("outcome").get("message").isNull()).isTrue();
        assertThat(keys(unlabeled.get("output"))).containsExactly("path", "sha256", "bytes");
        assertThat(unlabeled.get("output").get("path").asText()).isEqualTo("out/tiny.onnx");

        JsonNode empty = parse(SampleReports.empty());
        assertThat(empty.get("baseline").get("latency_ms").isNull()).isTrue();
        assertThat(empty.get("steps")).isEmpty();
        // strict JSON: no NaN / Infinity tokens anywhere
        assertThat(JsonReport.toJson(SampleReports.breach())).doesNotContain("NaN", "Infinity");
    }

    @Test
    void detailsKeepTheirStructureAndOrder() throws Exception {
        JsonNode details = parse(SampleReports.breach()).get("steps").get(2).get("details");
        assertThat(keys(details)).containsExactly("ratio", "layers", "importance");
        assertThat(details.get("layers")).hasSize(3);
        JsonNode conv2 = details.get("layers").get(1);
        assertThat(keys(conv2)).containsExactly("layer", "channels_before", "channels_after", "error");
        assertThat(conv2.get("layer").asText()).isEqualTo("conv2 <main> & \"b\"");
        assertThat(conv2.get("channels_before").asInt()).isEqualTo(128);
        assertThat(conv2.get("error").isNull()).isTrue();
    }

    record LayerStat(String name, double[] scales, Optional<String> note) {
    }

    enum Mode { PER_CHANNEL }

    @Test
    void detailValuesOfOtherShapesAreConverted() {
        JsonNode n = JsonReport.value(Map.of("stat", new LayerStat("c<1>", new double[] {0.5, Double.NaN},
                Optional.empty()), "mode", Mode.PER_CHANNEL, "ints", new int[] {1, 2}, "opt", OptionalDouble.empty()));
        assertThat(n.get("stat").get("name").asText()).isEqualTo("c<1>");
        assertThat(n.get("stat").get("scales").get(0).asDouble()).isEqualTo(0.5);
        assertThat(n.get("stat").get("scales").get(1).isNull()).isTrue();
        assertThat(n.get("stat").get("note").isNull()).isTrue();
        assertThat(n.get("mode").asText()).isEqualTo("PER_CHANNEL");
        assertThat(n.get("ints").get(1).asInt()).isEqualTo(2);
        assertThat(n.get("opt").isNull()).isTrue();
    }

    @Test
    void statisticsAreWrittenInSortedOrder() throws Exception {
        JsonNode stats = parse(SampleReports.breach()).get("steps").get(0).get("statistics");
        assertThat(keys(stats)).containsExactly("bytes_saved", "nodes_removed");
        assertThat(stats.get("nodes_removed").asInt()).isEqualTo(3);
        assertThat(stats.get("bytes_saved").asDouble()).isEqualTo(1024.0);
    }

    @Test
    void writeReplacesTheFileAtomicallyAndLeavesNoTemporaryFiles(@TempDir Path dir) throws Exception {
        Path target = dir.resolve("sub").resolve("report.json");
        JsonReport.write(SampleReports.unlabeled(), target);
        JsonReport.write(SampleReports.breach(), target);
        assertThat(MAPPER.readTree(target.toFile()).get("steps")).hasSize(4);
        try (Stream<Path> files = Files.list(target.getParent())) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactly("report.json");
        }
    }

    @Test
    void unwritableTargetIsAUserErrorNamingThePath(@TempDir Path dir) {
        assertThatThrownBy(() -> JsonReport.write(SampleReports.breach(), dir))
                .isInstanceOf(UserException.class)
                .hasMessage("cannot write JSON report " + dir + ": it is a directory");
        Path blocked = dir.resolve("file");
        JsonReport.write(SampleReports.unlabeled(), blocked);
        assertThatThrownBy(() -> JsonReport.write(SampleReports.breach(), blocked.resolve("r.json")))
                .isInstanceOf(UserException.class)
                .hasMessageStartingWith("cannot write JSON report " + blocked.resolve("r.json") + ": ");
    }
}
