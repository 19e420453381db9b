package dev.onnxpress.passes;

import static org.assertj.core.api.Assertions.assertThat;

import dev.onnxpress.analysis.ModelChecker;
import dev.onnxpress.ir.Model;
import dev.onnxpress.ir.ModelReader;
import dev.onnxpress.ir.ModelWriter;
import dev.onnxpress.ir.Tensor;
import dev.onnxpress.ort.OrtRunner;
import dev.onnxpress.runtime.OnnxpressRuntime;
import dev.onnxpress.testing.OrtEquivalence;
import dev.onnxpress.testing.SharedFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
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
            for (OptionSpec o : OptionSpec.of(p.optionsType())) {
                assertThat(o.doc()).as("%s.%s doc", info.id(), o.name()).isNotBlank();
                assertThat(o.name()).as("%s option name", info.id()).matches("[a-z][a-z0-9]*(_[a-z0-9]+)*");
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
        // make_compatible without runtime= takes the runtime the recipe verifies on, which a bare context has not
        // got (a one-line error; MakeCompatiblePassTest); with one, OpenCvTargetIT runs it
        return OptionSpec.of(p.optionsType()).stream().noneMatch(OptionSpec::required)
                && !p.info().id().equals(dev.onnxpress.passes.convert.compatible.MakeCompatiblePass.ID);
    }

    /** What a pass's output is judged by: the bytes, and how the model asks to be written. */
    private record Written(byte[] bytes, Optional<ModelWriter.Options> options) {
        static Written of(Model m) {
            return new Written(ModelWriter.toBytes(m), m.writeOptions());
        }

        boolean same(Written o) {
            return Arrays.equals(bytes, o.bytes) && options.equals(o.options);
        }
    }

    /**
     * Every pass that runs on its defaults, on every shared model (data passes get seeded random batches),
     * keeps the invariants every step relies on: the output passes the model checker (no problem the input
     * did not have), ONNX Runtime loads and runs it (through the onnxpress runtime for packed models),
     * {@code changed} is true exactly when the written model differs, two runs with the same seed write
     * the same bytes, a pass declared IDEMPOTENT changes nothing when run again, and neither the input
     * model nor the samples the pass was given are modified. The repeated runs are skipped on models of
     * {@value #REPEAT_BELOW_BYTES} bytes or more (ppocrv4_det, ppocrv4_rec), for time.
     */
    @SuppressWarnings({"unchecked", "rawtypes"})
    @ParameterizedTest
    @MethodSource("models")
    void everyPassRunsWithDefaultsOnEveryModel(String name) {
        Model original = ModelReader.read(SharedFiles.model(name));
        // the repeated runs (same seed, idempotence) on the smaller models only, to keep this test short;
        // the large OCR models still get every other check
        boolean repeat = sizeOf(SharedFiles.model(name)) < REPEAT_BELOW_BYTES;
        byte[] originalBytes = ModelWriter.toBytes(original);
        Set<String> inputProblems = new HashSet<>(ModelChecker.problems(original));
        List<String> inputNames = original.graph().realInputs().stream().map(v -> v.name()).toList();
        Written before = Written.of(original);
        List<Pass<?>> runnable = PassRegistry.all().stream().filter(PassRegistryTest::runsOnDefaults).toList();
        assertThat(runnable).isNotEmpty();
        for (Pass p : runnable) {
            String id = p.info().id() + " on " + name;
            Record options = PassOptions.defaults(p.optionsType());
            Model m = original.copy();
            RandomDataContext ctx = new RandomDataContext(original, 2);
            List<Map<String, Tensor>> samples = ctx.samples(new DataRef("calib"));
            List<byte[]> sampleBytes = samples.stream().flatMap(f -> f.values().stream()).map(t -> t.rawBytes().clone()).toList();
            PassResult r;
            try {
                r = p.run(m, options, ctx);
            } catch (PassException e) {
                // a pass may decline a model on its defaults, as it would for a recipe: one clear line
                assertThat(e.getMessage()).as(id).startsWith(p.info().id() + ": ").doesNotContain("\n");
                System.out.printf("%-20s %-26s declines on defaults: %s%n", name, p.info().id(), e.getMessage());
                continue;
            } catch (RuntimeException e) {
                throw new AssertionError(id + " threw " + e, e);
            }
            assertThat(r).as(id).isNotNull();
            assertThat(p.info().statistics()).as("%s reports only declared statistics", id)
                    .containsAll(r.statistics().keySet());
            Written out = Written.of(m);
            assertThat(r.changed()).as("%s: changed is true exactly when the written model differs", id)
                    .isEqualTo(!out.same(before));
            assertThat(ModelWriter.toBytes(original)).as("%s left its input alone", id).isEqualTo(originalBytes);
            assertThat(samples.stream().flatMap(f -> f.values().stream()).map(Tensor::rawBytes).toList())
                    .as("%s left its samples alone", id).containsExactlyElementsOf(sampleBytes);
            assertThat(m.graph().realInputs().stream().map(v -> v.name()).toList()).as("%s input names", id)
                    .isEqualTo(inputNames);
            List<String> problems = new ArrayList<>(ModelChecker.problems(m));
            problems.removeAll(inputProblems);
            assertThat(problems).as("%s: model checker", id).isEmpty();

            if (!repeat) {
                if (r.changed()) {
                    runsInOrt(id, m, out.bytes());
                }
                continue;
            }
            Model again = original.copy();
            p.run(again, options, new RandomDataContext(original, 2));
            assertThat(Written.of(again).same(out)).as("%s: the same seed writes the same bytes", id).isTrue();

            if (p.info().has(PassInfo.Trait.IDEMPOTENT)) {
                PassResult second = p.run(again, options, new RandomDataContext(again, 2));
                assertThat(Written.of(again).same(out)).as("%s is IDEMPOTENT: a second run changes nothing", id)
                        .isTrue();
                assertThat(second.changed()).as("%s: second run reports no change", id).isFalse();
            }

            if (r.changed()) {
                runsInOrt(id, m, out.bytes());
            }
        }
    }

    /** Models at least this large (the OCR detector and recognizer) skip the repeated runs. */
    private static final long REPEAT_BELOW_BYTES = 4_000_000;

    private static long sizeOf(Path p) {
        try {
            return Files.size(p);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** ONNX Runtime loads the model and runs it on random inputs (packed models through the onnxpress runtime). */
    private static void runsInOrt(String id, Model m, byte[] bytes) {
        Map<String, Tensor> feeds = OrtEquivalence.randomFeeds(m, 3, Map.of());
        try (OrtRunner ort = OnnxpressRuntime.isPacked(m) ? OnnxpressRuntime.open(bytes) : OrtRunner.open(bytes)) {
            Map<String, Tensor> res = ort.run(feeds);
            assertThat(res).as("%s: ONNX Runtime outputs", id).isNotEmpty();
        } catch (RuntimeException e) {
            throw new AssertionError(id + ": ONNX Runtime cannot run the output: " + e.getMessage(), e);
        }
    }
}
