package dev.onnxpress.passes;

import static org.assertj.core.api.Assertions.assertThat;

import dev.onnxpress.ir.Model;
import dev.onnxpress.ir.ModelReader;
import dev.onnxpress.ir.ModelWriter;
import dev.onnxpress.testing.SharedFiles;
import java.io.IOException;
import java.lang.reflect.RecordComponent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every registered pass documents every option, has a stable well-formed id and declared statistics, and
 * runs with its default options on every shared model without crashing (passes that need data get
 * seeded random batches). A pass may decline a model with a {@link PassException} (one clear line naming
 * the pass), as it would in a recipe; any other exception fails. Passes with required options cannot run
 * on defaults and are only checked for docs.
 */
class PassRegistryTest {

    @Test
    void idsAreUniqueSnakeCaseAndEveryOptionIsDocumented() {
        Set<String> ids = new HashSet<>();
        assertThat(PassRegistry.all()).isNotEmpty();
        for (Pass<?> p : PassRegistry.all()) {
            PassInfo info = p.info();
            assertThat(ids.add(info.id())).as("duplicate id %s", info.id()).isTrue();
            assertThat(info.id()).matches("[a-z][a-z0-9]*(_[a-z0-9]+)+");
            assertThat(info.summary()).as("%s summary", info.id()).isNotBlank();
            assertThat(info.statistics()).as("%s statistics", info.id())
                    .allSatisfy(s -> assertThat(s).matches("[a-z0-9]+(_[a-z0-9]+)+"));
            assertThat(p.optionsType().isRecord()).isTrue();
            for (RecordComponent c : p.optionsType().getRecordComponents()) {
                Param param = c.getAnnotation(Param.class);
                assertThat(param).as("%s.%s has @Param", info.id(), c.getName()).isNotNull();
                assertThat(param.doc()).as("%s.%s doc", info.id(), c.getName()).isNotBlank();
                assertThat(c.getName()).as("%s option name", info.id()).matches("[a-z][a-z0-9]*(_[a-z0-9]+)*");
            }
            assertThat(PassRegistry.find(info.id())).containsSame(p);
        }
    }

    static Stream<String> models() throws IOException {
        try (Stream<Path> dirs = Files.list(SharedFiles.dir().resolve("models"))) {
            return dirs.filter(d -> Files.isRegularFile(d.resolve("model.onnx")))
                    .map(d -> d.getFileName().toString()).sorted().toList().stream();
        }
    }

    private static boolean runsOnDefaults(Pass<?> p) {
        for (RecordComponent c : p.optionsType().getRecordComponents()) {
            Param param = c.getAnnotation(Param.class);
            if (param.dflt().isEmpty() && c.getType() != Optional.class) {
                return false;
            }
        }
        return true;
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    @ParameterizedTest
    @MethodSource("models")
    void everyPassRunsWithDefaultsOnEveryModel(String name) {
        Model original = ModelReader.read(SharedFiles.model(name));
        List<Pass<?>> runnable = PassRegistry.all().stream().filter(PassRegistryTest::runsOnDefaults).toList();
        assertThat(runnable).isNotEmpty();
        for (Pass p : runnable) {
            Model m = original.copy();
            Record options = DefaultOptions.of(p.optionsType());
            PassResult r;
            try {
                r = p.run(m, options, new RandomDataContext(original, 2));
            } catch (PassException e) {
                // a pass may decline a model on its defaults, as it would for a recipe: one clear line
                assertThat(e.getMessage()).as("%s on %s", p.info().id(), name)
                        .startsWith(p.info().id() + ": ").doesNotContain("\n");
                System.out.printf("%-20s %-26s declines on defaults: %s%n", name, p.info().id(), e.getMessage());
                continue;
            } catch (RuntimeException e) {
                throw new AssertionError(p.info().id() + " on " + name + " threw " + e, e);
            }
            assertThat(r).as("%s on %s", p.info().id(), name).isNotNull();
            // the result must still be a model the writer accepts
            assertThat(ModelWriter.toBytes(m)).isNotEmpty();
        }
    }
}
