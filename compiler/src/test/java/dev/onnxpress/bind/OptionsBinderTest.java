package dev.onnxpress.bind;

import static org.assertj.core.api.Assertions.assertThat;

import dev.onnxpress.dsl.Statement;
import dev.onnxpress.ir.Model;
import dev.onnxpress.ir.ModelReader;
import dev.onnxpress.ir.Node;
import dev.onnxpress.passes.DataRef;
import dev.onnxpress.passes.NodeSelector;
import dev.onnxpress.passes.OptionSpec;
import dev.onnxpress.passes.Param;
import dev.onnxpress.passes.Pass;
import dev.onnxpress.passes.PassRegistry;
import dev.onnxpress.testing.SharedFiles;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Values of every supported type reach the options record as the recipe wrote them. */
class OptionsBinderTest {
    enum Mode { FAST, Careful }

    record All(
            @Param(doc = "b", dflt = "false") boolean flag,
            @Param(doc = "i", dflt = "3") int count,
            @Param(doc = "l", dflt = "1024") long bytes,
            @Param(doc = "d", dflt = "0.5") double ratio,
            @Param(doc = "s", dflt = "\"x\"") String label,
            @Param(doc = "e", dflt = "fast") Mode mode,
            @Param(doc = "sel", dflt = "all") NodeSelector layers,
            @Param(doc = "data") Optional<DataRef> source,
            @Param(doc = "names", dflt = "[]") List<String> names,
            @Param(doc = "values", dflt = "[1, 2]") List<Double> values,
            @Param(doc = "sels", dflt = "[]") List<NodeSelector> exits,
            @Param(doc = "opt") Optional<Double> threshold) {
    }

    static Scope scope() {
        return new Scope(java.util.Map.of(), List.of("calib"), java.util.Map.of(), true);
    }

    static All bind(String args) {
        Statement.Step step = (Statement.Step) dev.onnxpress.dsl.RecipeParser.parseSteps("x(" + args + ")", "t").get(0);
        return OptionsBinder.bind(All.class, "x", step.args(), step.location(), scope()).options();
    }

    @Test
    void defaultsAreRecipeSyntax() {
        All a = bind("");
        assertThat(a.flag()).isFalse();
        assertThat(a.count()).isEqualTo(3);
        assertThat(a.bytes()).isEqualTo(1024L);
        assertThat(a.ratio()).isEqualTo(0.5);
        assertThat(a.label()).isEqualTo("x");
        assertThat(a.mode()).isEqualTo(Mode.FAST);
        assertThat(a.layers()).isSameAs(NodeSelector.ALL);
        assertThat(a.source()).isEmpty();
        assertThat(a.names()).isEmpty();
        assertThat(a.values()).containsExactly(1.0, 2.0);
        assertThat(a.threshold()).isEmpty();
    }

    @Test
    void numbersPercentagesFractionsWordsAndLists() {
        All a = bind("flag=true, count=-2, bytes=5e9, ratio=30%, label=\"a b\", mode=CAREFUL, source=calib,"
                + " names=[\"p\", \"q\"], values=[1/255, 5%, -3], threshold=1e-4");
        assertThat(a.flag()).isTrue();
        assertThat(a.count()).isEqualTo(-2);
        assertThat(a.bytes()).isEqualTo(5_000_000_000L);
        assertThat(a.ratio()).isEqualTo(0.3);
        assertThat(a.label()).isEqualTo("a b");
        assertThat(a.mode()).isEqualTo(Mode.Careful);
        assertThat(a.source()).hasValue(new DataRef("calib"));
        assertThat(a.names()).containsExactly("p", "q");
        assertThat(a.values()).containsExactly(1 / 255.0, 0.05, -3.0);
        assertThat(a.threshold()).hasValue(1e-4);
        assertThat(bind("ratio=1/4").ratio()).isEqualTo(0.25);
        assertThat(bind("names=\"one\"").names()).containsExactly("one");
    }

    @Test
    void positionalArgumentsFollowComponentOrder() {
        All a = bind("true, 7");
        assertThat(a.flag()).isTrue();
        assertThat(a.count()).isEqualTo(7);
    }

    @Test
    void canonicalTextListsGivenArgumentsInParameterOrder() {
        Statement.Step step = (Statement.Step) dev.onnxpress.dsl.RecipeParser
                .parseSteps("x(ratio=30%, flag=true)", "t").get(0);
        var b = OptionsBinder.bind(All.class, "x", step.args(), step.location(), scope());
        assertThat(b.givenText()).isEqualTo("flag=true, ratio=30%");
        assertThat(b.allText()).startsWith("flag=true, count=3, bytes=1024, ratio=30%, label=\"x\", mode=fast,"
                + " layers=all, names=[], values=[1, 2], exits=[]");
    }

    @Test
    void selectorsMatchOpTypesAndNodeNamesByGlobAndCombine() {
        Model m = ModelReader.read(SharedFiles.model("lenet5_fashion"));
        List<Node> nodes = m.graph().nodes();
        long convs = nodes.stream().filter(n -> n.opType().equals("Conv")).count();
        long gemms = nodes.stream().filter(n -> n.opType().equals("Gemm")).count();
        assertThat(convs).isPositive();
        assertThat(count(nodes, bind("layers=op(\"Conv\")").layers())).isEqualTo(convs);
        assertThat(count(nodes, bind("layers=op(\"Conv\") + op(\"Gemm\")").layers())).isEqualTo(convs + gemms);
        assertThat(count(nodes, bind("layers=op(\"*\")").layers())).isEqualTo(nodes.size());
        assertThat(count(nodes, bind("layers=all - op(\"Conv\")").layers())).isEqualTo(nodes.size() - convs);
        assertThat(count(nodes, bind("layers=all & op(\"Co?v\")").layers())).isEqualTo(convs);
        String first = nodes.get(0).name();
        assertThat(count(nodes, bind("layers=name(\"" + first + "\")").layers())).isEqualTo(1);
        assertThat(count(nodes, bind("layers=name(\"*\") - (name(\"" + first + "\") + op(\"Conv\"))").layers()))
                .isEqualTo(nodes.size() - convs - (nodes.get(0).opType().equals("Conv") ? 0 : 1));
        assertThat(bind("exits=[op(\"Conv\"), name(\"x\")]").exits()).hasSize(2);
    }

    static long count(List<Node> nodes, NodeSelector s) {
        return nodes.stream().filter(s::matches).count();
    }

    /** Every registered pass documents every option and binds from its defaults (or asks for the required ones). */
    @Test
    void everyRegisteredPassBindsFromDefaults() {
        for (Pass<?> p : PassRegistry.all()) {
            for (OptionSpec d : OptionSpec.of(p.optionsType())) {
                assertThat(d.doc()).as(p.info().id() + "." + d.name()).isNotBlank();
                // a parameter named like a recipe keyword could never be written in a recipe
                assertThat(d.name()).as(p.info().id()).isNotIn("recipe", "data", "verify", "pipeline", "repeat", "try",
                        "in", "tolerance", "vs", "true", "false", "all");
            }
            List<OptionSpec> required = OptionSpec.of(p.optionsType()).stream().filter(OptionSpec::required).toList();
            if (required.isEmpty()) {
                var b = OptionsBinder.bind(p.optionsType(), p.info().id(), List.of(),
                        dev.onnxpress.dsl.SourceLocation.UNKNOWN, scope());
                assertThat(b.options()).as(p.info().id()).isNotNull();
                assertThat(b.givenText()).isEmpty();
            } else {
                org.assertj.core.api.Assertions.assertThatThrownBy(() -> OptionsBinder.bind(p.optionsType(),
                        p.info().id(), List.of(), dev.onnxpress.dsl.SourceLocation.UNKNOWN, scope()))
                        .isInstanceOf(BindException.class)
                        .hasMessageContaining("missing required parameter '" + required.get(0).name() + "'");
            }
        }
    }

    @Test
    void pruneChannelsBindsTheReconstructionCriterionAndTheHeldOutRidge() {
        Statement.Step step = (Statement.Step) dev.onnxpress.dsl.RecipeParser.parseSteps(
                "prune_channels(criterion=reconstruction, compensate=true, refit_ridge=held_out, calibration=calib)",
                "t").get(0);
        var o = OptionsBinder.bind(dev.onnxpress.passes.prune.channels.PruneChannelsOptions.class, "prune_channels",
                step.args(), step.location(), scope()).options();
        assertThat(o.criterion()).isEqualTo(dev.onnxpress.passes.prune.channels.PruneChannelsOptions.Criterion
                .reconstruction);
        assertThat(o.refit_ridge()).isEqualTo(dev.onnxpress.passes.prune.channels.PruneChannelsOptions.RefitRidge
                .held_out);
        assertThat(o.calibration()).hasValue(new DataRef("calib"));
    }
}
