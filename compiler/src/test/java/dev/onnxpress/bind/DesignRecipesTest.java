package dev.onnxpress.bind;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.onnxpress.dsl.Recipe;
import dev.onnxpress.dsl.RecipeParser;
import dev.onnxpress.dsl.Statement;
import dev.onnxpress.passes.PassRegistry;
import dev.onnxpress.testing.SharedFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Every recipe of design/RECIPES.md binds as written: against the registry, the only possible error is
 * "unknown pass" at the first step whose pass does not exist yet; with stand-ins for every pass they
 * name, all three bind fully.
 */
class DesignRecipesTest {

    /** name → text of each fenced recipe in RECIPES.md; the name is the file named in its first comment. */
    static Map<String, String> recipes() throws Exception {
        String md = Files.readString(SharedFiles.file("design/RECIPES.md"));
        Matcher m = Pattern.compile("```\\n(.*?)```", Pattern.DOTALL).matcher(md);
        Map<String, String> out = new java.util.LinkedHashMap<>();
        while (m.find()) {
            String text = m.group(1);
            Matcher name = Pattern.compile("^# (\\S+\\.recipe)").matcher(text);
            assertThat(name.find()).as("first line names the recipe file: " + text.lines().findFirst()).isTrue();
            out.put(name.group(1), text);
        }
        assertThat(out).hasSize(3);
        return out;
    }

    static Optional<Path> folder() {
        return Optional.of(SharedFiles.dir().resolve("design"));
    }

    static Plan bind(PassCatalog catalog, String name, String text) {
        return new Binder(catalog).bind(RecipeParser.parse(text, name), folder());
    }

    @Test
    void withNoPassesEachRecipeFailsAtItsFirstStepAndNowhereElse() throws Exception {
        Map<String, String> r = recipes();
        Map<String, String> expected = Map.of(
                "fashion-lenet5-deep-compression.recipe",
                "fashion-lenet5-deep-compression.recipe:10:1: unknown pass 'strip_training_nodes'",
                "vgg-slim.recipe", "vgg-slim.recipe:9:3: unknown pass 'prune_channels'",
                "ultraface-for-other-runtimes.recipe",
                "ultraface-for-other-runtimes.recipe:5:16: unknown pass 'remove_dead_nodes'");
        for (Map.Entry<String, String> e : r.entrySet()) {
            assertThatThrownBy(() -> bind(PassCatalog.of(List.of()), e.getKey(), e.getValue()))
                    .isInstanceOf(BindException.class).hasMessage(expected.get(e.getKey()));
        }
    }

    @Test
    void againstTheRegistryTheOnlyErrorIsTheFirstPassNotWrittenYet() throws Exception {
        for (Map.Entry<String, String> e : recipes().entrySet()) {
            Recipe recipe = RecipeParser.parse(e.getValue(), e.getKey());
            Optional<Statement.Step> missing = steps(recipe.statements()).stream()
                    .filter(s -> PassRegistry.find(s.name()).isEmpty()).findFirst();
            if (missing.isEmpty()) {
                Plan plan = new Binder().bind(recipe, folder());
                assertThat(plan.allSteps()).isNotEmpty();
                continue;
            }
            Statement.Step step = missing.get();
            assertThatThrownBy(() -> new Binder().bind(recipe, folder()))
                    .isInstanceOf(BindException.class)
                    .hasMessageStartingWith(step.location() + ": unknown pass '" + step.name() + "'")
                    .satisfies(x -> assertThat(((BindException) x).reason())
                            .matches("unknown pass '" + step.name() + "'(; did you mean '\\w+'\\?)?"));
        }
    }

    static List<Statement.Step> steps(List<Statement> statements) {
        List<Statement.Step> out = new ArrayList<>();
        for (Statement s : statements) {
            if (s instanceof Statement.Step st) {
                out.add(st);
            } else if (s instanceof Statement.Repeat rep) {
                out.addAll(steps(rep.body()));
            } else if (s instanceof Statement.Try t) {
                out.addAll(steps(t.body()));
            } else if (s instanceof Statement.PipelineDecl p) {
                out.addAll(steps(p.body()));
            }
        }
        return out;
    }

    @Test
    void withStandInsAllThreeBindFully() throws Exception {
        PassCatalog stubs = PassCatalog.of(TestPasses.designStandIns());
        Map<String, String> r = recipes();

        Plan lenet = bind(stubs, "fashion-lenet5-deep-compression.recipe", r.get("fashion-lenet5-deep-compression.recipe"));
        assertThat(lenet.name()).isEqualTo("lenet5 fashion: prune, share, pack");
        assertThat(lenet.data()).extracting(DataDeclaration::name).containsExactly("calib", "test");
        assertThat(lenet.data()).extracting(DataDeclaration::labelled).containsExactly(false, true);
        assertThat(lenet.evaluationData()).hasValue("test");
        assertThat(lenet.checks()).singleElement().satisfies(c -> {
            assertThat(c.kind()).isEqualTo(BoundCheck.Kind.ACCURACY_DROP);
            assertThat(c.bound()).isEqualTo(0.01);
        });
        assertThat(lenet.allSteps()).extracting(Plan.Step::call).containsExactly("strip_training_nodes()",
                "prune_magnitude(sparsity=90%, layers=op(\"Gemm\") + op(\"Conv\"), compensate=true, calibration=calib)",
                "share_weights(bits=5, layers=all)", "pack_huffman()");
        TestPasses.PruneMagnitude pm = (TestPasses.PruneMagnitude) lenet.allSteps().get(1).options();
        assertThat(pm.sparsity()).isEqualTo(0.9);
        assertThat(pm.calibration()).hasValue(new dev.onnxpress.passes.DataRef("calib"));
        assertThat(lenet.allSteps().get(3).tolerance()).singleElement()
                .satisfies(c -> assertThat(c.text()).isEqualTo("max_abs_error vs previous <= 0"));

        Plan vgg = bind(stubs, "vgg-slim.recipe", r.get("vgg-slim.recipe"));
        Plan.Try t = (Plan.Try) vgg.items().get(0);
        assertThat(t.attempts()).extracting(Plan.Attempt::label).containsExactly("r=50%", "r=40%", "r=30%");
        assertThat(t.attempts()).extracting(a -> ((TestPasses.PruneChannels) ((Plan.Step) a.body().get(0)).options())
                .ratio()).containsExactly(0.5, 0.4, 0.3);
        assertThat(vgg.allSteps()).extracting(Plan.Step::passId).containsExactly("prune_channels", "prune_channels",
                "prune_channels", "fold_batchnorm", "add_early_exits", "quantize_int8");
        TestPasses.AddEarlyExits exits = (TestPasses.AddEarlyExits) vgg.allSteps().get(4).options();
        assertThat(exits.after()).hasSize(2);
        assertThat(exits.max_drop()).isEqualTo(0.005);
        TestPasses.QuantizeInt8 q = (TestPasses.QuantizeInt8) vgg.allSteps().get(5).options();
        assertThat(q.method()).isEqualTo(TestPasses.Method.ENTROPY);

        Plan uf = bind(stubs, "ultraface-for-other-runtimes.recipe", r.get("ultraface-for-other-runtimes.recipe"));
        assertThat(uf.items().get(0)).isInstanceOfSatisfying(Plan.Repeat.class, rep -> {
            assertThat(rep.max()).isEqualTo(3);
            assertThat(rep.body()).hasSize(3);
        });
        assertThat(uf.allSteps()).extracting(Plan.Step::allOptionsText).containsExactly("", "", "", "",
                "keep_io_types=true", "target=13", "min_bytes=1024");
        assertThat(uf.data()).singleElement().satisfies(d -> assertThat(d.kind()).isEqualTo("onnx_test_data"));
        assertThat(PlanPrinter.print(uf)).contains("repeat max 3 {\n  remove_dead_nodes()");
    }

    @Test
    void theDesignRecipesDataLoad() throws Exception {
        Plan uf = bind(PassCatalog.of(TestPasses.designStandIns()), "u.recipe",
                recipes().get("ultraface-for-other-runtimes.recipe"));
        assertThat(uf.data().get(0).load().size()).isEqualTo(1);
    }
}
