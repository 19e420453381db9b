package dev.onnxpress.passes.convert.compatible;

import dev.onnxpress.passes.core.target.TargetTable;
import static org.assertj.core.api.Assertions.assertThat;

import dev.onnxpress.exec.InferenceRuntime;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The committed capability tables are what the runtimes on the class path do: every probe is measured
 * again and must give the committed verdict. With {@code -Donnxpress.writeTargetTables=true} the tables
 * are rewritten instead (after a runtime upgrade).
 */
class TargetTableTest {

    @ParameterizedTest
    @ValueSource(strings = {"opencv", "ort", "ort_mobile"})
    void committedTableMatchesTheRuntime(String name) throws IOException {
        InferenceRuntime runtime = InferenceRuntime.named(name).orElseThrow();
        TargetTable measured = TargetProbes.measureAll(runtime);
        if (Boolean.getBoolean("onnxpress.writeTargetTables")) {
            Path file = Path.of("src/main/resources/dev/onnxpress/passes/core/target", name + ".tsv");
            Files.writeString(file, measured.toTsv(), StandardCharsets.UTF_8);
            return;
        }
        TargetTable committed = TargetTable.load(name);
        List<String> differences = new ArrayList<>();
        for (TargetTable.Row r : measured.rows().values()) {
            var c = committed.row(r.rule());
            if (c.isEmpty() || c.get().supported() != r.supported()) {
                differences.add(r.rule() + ": measured " + (r.supported() ? "ok" : "fails (" + r.detail() + ")")
                        + ", table says " + c.map(x -> x.supported() ? "ok" : "fails").orElse("nothing"));
            }
        }
        committed.rows().keySet().stream().filter(k -> !measured.rows().containsKey(k))
                .forEach(k -> differences.add(k + ": in the table but no probe measures it"));
        assertThat(differences).as("capability table %s.tsv vs %s", name, runtime.description()).isEmpty();
        assertThat(committed.measuredOn()).isEqualTo(runtime.description());
    }
}
