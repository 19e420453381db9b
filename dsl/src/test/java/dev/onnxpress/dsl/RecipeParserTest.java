package dev.onnxpress.dsl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.onnxpress.dsl.Check.AccuracyCheck;
import dev.onnxpress.dsl.Check.Comparison;
import dev.onnxpress.dsl.Check.MetricCheck;
import dev.onnxpress.dsl.Check.Ref;
import dev.onnxpress.dsl.Selector.AllSel;
import dev.onnxpress.dsl.Selector.Difference;
import dev.onnxpress.dsl.Selector.Intersection;
import dev.onnxpress.dsl.Selector.NameSel;
import dev.onnxpress.dsl.Selector.OpSel;
import dev.onnxpress.dsl.Selector.Union;
import dev.onnxpress.dsl.Statement.PipelineDecl;
import dev.onnxpress.dsl.Statement.Repeat;
import dev.onnxpress.dsl.Statement.Step;
import dev.onnxpress.dsl.Statement.Try;
import dev.onnxpress.dsl.Value.Bool;
import dev.onnxpress.dsl.Value.ListValue;
import dev.onnxpress.dsl.Value.Num;
import dev.onnxpress.dsl.Value.Percent;
import dev.onnxpress.dsl.Value.Str;
import dev.onnxpress.dsl.Value.Word;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class RecipeParserTest {

    private static final String HEADER = "recipe \"t\" version 1\n";

    private static Value argValue(String valueText) {
        Recipe r = RecipeParser.parse(HEADER + "p(x=" + valueText + ")", "t.recipe");
        return ((Step) r.statements().get(0)).args().get(0).value();
    }

    private static Value erased(String valueText) {
        return LocationEraser.erase(argValue(valueText));
    }

    private static final SourceLocation N = SourceLocation.UNKNOWN;

    @Test
    void lenetRecipe() {
        Recipe r = RecipeFiles.parse(RecipeFiles.LENET);
        assertThat(r.name()).isEqualTo("lenet5 fashion: prune, share, pack");
        assertThat(r.version()).isEqualTo(1);
        assertThat(r.location()).isEqualTo(new SourceLocation(RecipeFiles.LENET, 2, 1));

        assertThat(r.data()).extracting(DataDecl::name).containsExactly("calib", "test");
        DataDecl test = r.dataSet("test").orElseThrow();
        assertThat(test.kind()).isEqualTo("idx");
        assertThat(test.location()).isEqualTo(new SourceLocation(RecipeFiles.LENET, 5, 1));
        assertThat(test.args()).extracting(a -> a.name().orElseThrow()).containsExactly("images", "labels", "scale");
        assertThat(test.args().get(1).value())
                .isEqualTo(new Str("../data/fashion-mnist/t10k-labels-idx1-ubyte.gz", new SourceLocation(RecipeFiles.LENET, 6, 25)));
        Num scale = (Num) test.args().get(2).value();
        assertThat(scale.text()).isEqualTo("1/255");
        assertThat(scale.value()).isEqualTo(1.0 / 255);

        VerifyBlock verify = r.verify().orElseThrow();
        assertThat(verify.using()).contains("test");
        assertThat(verify.checks()).hasSize(1);
        AccuracyCheck acc = (AccuracyCheck) verify.checks().get(0);
        assertThat(acc.ref()).isEqualTo(Ref.ORIGINAL);
        assertThat(LocationEraser.erase(acc.maxDrop())).isEqualTo(new Percent(1, "1%", N));

        assertThat(r.statements()).extracting(Statement::location).extracting(SourceLocation::line)
                .containsExactly(10, 11, 12, 13);
        Step prune = (Step) r.statements().get(1);
        assertThat(prune.name()).isEqualTo("prune_magnitude");
        assertThat(LocationEraser.erase(prune.arg("layers").orElseThrow().value()))
                .isEqualTo(new Union(new OpSel("Gemm", N), new OpSel("Conv", N), N));
        assertThat(prune.arg("sparsity").orElseThrow().value()).isInstanceOf(Percent.class);
        assertThat(((Percent) prune.arg("sparsity").orElseThrow().value()).fraction()).isEqualTo(0.9);
        assertThat(prune.arg("calibration").orElseThrow().value()).isInstanceOf(Word.class);
        assertThat(((Step) r.statements().get(2)).arg("layers").orElseThrow().value()).isInstanceOf(AllSel.class);

        Step pack = (Step) r.statements().get(3);
        assertThat(pack.args()).isEmpty();
        MetricCheck lossless = (MetricCheck) pack.tolerance().orElseThrow().checks().get(0);
        assertThat(lossless.metric()).isEqualTo("max_abs_error");
        assertThat(lossless.op()).isEqualTo(Comparison.LE);
        assertThat(lossless.ref()).isEqualTo(Ref.PREVIOUS);
        assertThat(((Num) lossless.bound()).value()).isZero();
        assertThat(lossless.location()).isEqualTo(new SourceLocation(RecipeFiles.LENET, 14, 15));
        assertThat(((Step) r.statements().get(0)).tolerance()).isEmpty();
    }

    @Test
    void vggRecipe() {
        Recipe r = RecipeFiles.parse(RecipeFiles.VGG);
        assertThat(r.name()).isEqualTo("vgg_bn fashion slim + int8");
        assertThat(r.statements()).hasSize(4);

        Try search = (Try) r.statements().get(0);
        assertThat(search.variable()).isEqualTo("r");
        assertThat(search.values()).extracting(LocationEraser::erase).containsExactly(
                new Percent(50, "50%", N), new Percent(40, "40%", N), new Percent(30, "30%", N));
        assertThat(search.body()).hasSize(1);
        Step prune = (Step) search.body().get(0);
        assertThat(prune.args()).extracting(a -> a.name().orElseThrow()).containsExactly(
                "criterion", "ratio", "layers", "min_channels", "compensate", "calibration");
        assertThat(LocationEraser.erase(prune.arg("ratio").orElseThrow().value())).isEqualTo(new Word("r", N));
        assertThat(LocationEraser.erase(prune.arg("criterion").orElseThrow().value())).isEqualTo(new Word("bn_gamma", N));
        assertThat(LocationEraser.erase(prune.arg("compensate").orElseThrow().value())).isEqualTo(new Bool(true, N));
        assertThat(prune.tolerance()).isEmpty();

        Step fold = (Step) r.statements().get(1);
        assertThat(fold.name()).isEqualTo("fold_batchnorm");
        MetricCheck check = (MetricCheck) fold.tolerance().orElseThrow().checks().get(0);
        assertThat(check.ref()).isEqualTo(Ref.PREVIOUS);
        assertThat(LocationEraser.erase(check.bound())).isEqualTo(new Num(1e-4, "1e-4", N));

        Step exits = (Step) r.statements().get(2);
        assertThat(LocationEraser.erase(exits.arg("after").orElseThrow().value())).isEqualTo(new ListValue(List.of(
                new NameSel("*features.6/MaxPool", N), new NameSel("*features.13/MaxPool", N)), N));
        assertThat(LocationEraser.erase(exits.arg("max_drop").orElseThrow().value())).isEqualTo(new Percent(0.5, "0.5%", N));
        assertThat(exits.tolerance()).isEmpty();

        Step quant = (Step) r.statements().get(3);
        assertThat(LocationEraser.erase(quant.arg("method").orElseThrow().value())).isEqualTo(new Word("entropy", N));
    }

    @Test
    void ultrafaceRecipe() {
        Recipe r = RecipeFiles.parse(RecipeFiles.ULTRAFACE);
        assertThat(r.dataSet("ref").orElseThrow().kind()).isEqualTo("onnx_test_data");
        MetricCheck cosine = (MetricCheck) r.verify().orElseThrow().checks().get(0);
        assertThat(cosine.metric()).isEqualTo("cosine");
        assertThat(cosine.op()).isEqualTo(Comparison.GE);
        assertThat(((Num) cosine.bound()).value()).isEqualTo(0.9999);

        Repeat repeat = (Repeat) r.statements().get(0);
        assertThat(repeat.max()).isEqualTo(3);
        assertThat(repeat.body()).extracting(s -> ((Step) s).name())
                .containsExactly("remove_dead_nodes", "remove_identity", "fold_constants");
        assertThat(r.statements()).hasSize(5);
        Step fp16 = (Step) r.statements().get(2);
        assertThat(fp16.name()).isEqualTo("convert_fp16");
        assertThat(fp16.tolerance()).isPresent();
        assertThat(((Step) r.statements().get(1)).tolerance()).isEmpty();
        assertThat(((Step) r.statements().get(3)).tolerance()).isEmpty();
    }

    @Test
    void numbers() {
        assertThat(erased("1e-4")).isEqualTo(new Num(1e-4, "1e-4", N));
        assertThat(erased("-3")).isEqualTo(new Num(-3, "-3", N));
        assertThat(erased("0.5")).isEqualTo(new Num(0.5, "0.5", N));
        assertThat(erased(".25")).isEqualTo(new Num(0.25, ".25", N));
        assertThat(erased("1 / 255")).isEqualTo(new Num(1.0 / 255, "1/255", N));
        assertThat(erased("-1/-4")).isEqualTo(new Num(0.25, "-1/-4", N));
        assertThat(erased("2E+3")).isEqualTo(new Num(2000, "2E+3", N));
        assertThat(((Num) argValue("8")).isInt()).isTrue();
        assertThat(((Num) argValue("8.5")).isInt()).isFalse();
    }

    @Test
    void percentages() {
        assertThat(erased("30%")).isEqualTo(new Percent(30, "30%", N));
        assertThat(erased("0.5%")).isEqualTo(new Percent(0.5, "0.5%", N));
        assertThat(erased("-2%")).isEqualTo(new Percent(-2, "-2%", N));
    }

    @Test
    void strings() {
        assertThat(erased("\"a \\\"b\\\" \\\\ c\\nd\"")).isEqualTo(new Str("a \"b\" \\ c\nd", N));
        assertThat(erased("\"\"")).isEqualTo(new Str("", N));
        assertThat(erased("\"# not a comment\"")).isEqualTo(new Str("# not a comment", N));
    }

    @Test
    void booleansWordsAndLists() {
        assertThat(erased("true")).isEqualTo(new Bool(true, N));
        assertThat(erased("false")).isEqualTo(new Bool(false, N));
        assertThat(erased("entropy")).isEqualTo(new Word("entropy", N));
        assertThat(erased("max")).isEqualTo(new Word("max", N));
        assertThat(erased("[]")).isEqualTo(new ListValue(List.of(), N));
        assertThat(erased("[\n  1,\n  \"a\",   # comment\n  [b],\n]")).isEqualTo(new ListValue(List.of(
                new Num(1, "1", N), new Str("a", N), new ListValue(List.of(new Word("b", N)), N)), N));
    }

    @Test
    void selectorPrecedence() {
        OpSel a = new OpSel("A", N);
        OpSel b = new OpSel("B", N);
        NameSel c = new NameSel("*c*", N);
        assertThat(erased("op(\"A\") + op(\"B\") & name(\"*c*\")"))
                .isEqualTo(new Union(a, new Intersection(b, c, N), N));
        assertThat(erased("op(\"A\") - op(\"B\") + all"))
                .isEqualTo(new Union(new Difference(a, b, N), new AllSel(N), N));
        assertThat(erased("op(\"A\") - (op(\"B\") + all)"))
                .isEqualTo(new Difference(a, new Union(b, new AllSel(N), N), N));
        assertThat(erased("(op(\"A\") + op(\"B\")) & v"))
                .isEqualTo(new Intersection(new Union(a, b, N), new Word("v", N), N));
        assertThat(erased("all - name(\"*head*\")"))
                .isEqualTo(new Difference(new AllSel(N), new NameSel("*head*", N), N));
    }

    @Test
    void positionalArgumentsInStepsAndDataKinds() {
        Recipe r = RecipeParser.parse(HEADER + "data x = npy(\"x.npy\", scale=2)\nsome_pass(3, mode=fast)", "t");
        Arg first = r.data().get(0).args().get(0);
        assertThat(first.name()).isEmpty();
        assertThat(first.location()).isEqualTo(new SourceLocation("t", 2, 14));
        assertThat(r.data().get(0).args().get(1).name()).contains("scale");
        Step step = (Step) r.statements().get(0);
        assertThat(step.args().get(0).name()).isEmpty();
        assertThat(step.args().get(1).name()).contains("mode");
    }

    @Test
    void pipelinesNestingAndBareSteps() {
        Recipe r = RecipeParser.parse(HEADER + """
                pipeline cleanup {
                  remove_dead_nodes()
                  repeat max 2 { fold_constants(); remove_identity() }
                }
                try b in [4, 5] { try r in [50%] { share_weights(bits=b, ratio=r) } }
                cleanup
                cleanup()
                """, "t");
        assertThat(r.pipelines()).extracting(PipelineDecl::name).containsExactly("cleanup");
        PipelineDecl p = r.pipelines().get(0);
        assertThat(p.body()).hasSize(2);
        assertThat(((Repeat) p.body().get(1)).body()).hasSize(2);
        Try outer = (Try) r.statements().get(1);
        assertThat(((Try) outer.body().get(0)).body()).hasSize(1);
        assertThat(LocationEraser.erase(r.statements().get(2))).isEqualTo(LocationEraser.erase(r.statements().get(3)));
        assertThat(r.statements().get(2)).isEqualTo(new Step("cleanup", List.of(), Optional.empty(), new SourceLocation("t", 7, 1)));
    }

    @Test
    void checks() {
        Recipe r = RecipeParser.parse(HEADER + """
                verify {
                  max_abs_error <= 1e-3; max_rel_error < 0.01, cosine >= 0.99 vs previous
                  top1_agreement vs original > 0.98
                  accuracy max_drop 0.01 vs previous
                }
                """, "t");
        List<Check> checks = r.verify().orElseThrow().checks();
        assertThat(r.verify().orElseThrow().using()).isEmpty();
        assertThat(checks).hasSize(5);
        assertThat(checks).extracting(Check::ref).containsExactly(Ref.ORIGINAL, Ref.ORIGINAL, Ref.PREVIOUS, Ref.ORIGINAL, Ref.PREVIOUS);
        assertThat(((MetricCheck) checks.get(1)).op()).isEqualTo(Comparison.LT);
        assertThat(((MetricCheck) checks.get(3)).op()).isEqualTo(Comparison.GT);
        assertThat(LocationEraser.erase(((AccuracyCheck) checks.get(4)).maxDrop())).isEqualTo(new Num(0.01, "0.01", N));
        assertThat(Comparison.GE.holds(0.99, 0.99)).isTrue();
        assertThat(Comparison.GT.holds(0.99, 0.99)).isFalse();
        assertThat(Comparison.LE.holds(Double.NaN, 1)).isFalse();
    }

    @Test
    void toleranceOnTheNextLineAndSoftKeywordsAsNames() {
        Recipe r = RecipeParser.parse(HEADER + """
                data using = idx(version=2)   # soft keywords stay usable as names
                p(max_drop=1%, original=previous)

                  tolerance
                  {
                    cosine >= 0.9
                  }
                q()
                """, "t");
        assertThat(r.data().get(0).name()).isEqualTo("using");
        Step p = (Step) r.statements().get(0);
        assertThat(p.tolerance()).isPresent();
        assertThat(p.arg("original").orElseThrow().value()).isInstanceOf(Word.class);
        assertThat(((Step) r.statements().get(1)).tolerance()).isEmpty();
    }

    @Test
    void commentsAndWindowsLineEnds() {
        Recipe r = RecipeParser.parse("# leading comment\r\nrecipe \"w\" version 2 # trailing\r\na() # x\r\n", "w");
        assertThat(r.version()).isEqualTo(2);
        assertThat(r.statements()).hasSize(1);
        assertThat(r.statements().get(0).location()).isEqualTo(new SourceLocation("w", 3, 1));
    }

    @Test
    void syntaxExceptionCarriesLocationAndReason() {
        assertThatThrownBy(() -> RecipeParser.parse(HEADER + "a(x=)", "r.recipe"))
                .isInstanceOfSatisfying(RecipeSyntaxException.class, e -> {
                    assertThat(e.location()).isEqualTo(new SourceLocation("r.recipe", 2, 5));
                    assertThat(e.reason()).isEqualTo("expected a value after '=' but found ')'");
                    assertThat(e.getMessage()).isEqualTo("r.recipe:2:5: expected a value after '=' but found ')'");
                });
    }

    @Test
    void verifyBlockNamesRuntimesAfterOn() {
        Recipe r = RecipeParser.parse("recipe \"t\" version 1\ndata d = random(count=2)\n"
                + "verify using d on opencv, ort_mobile { cosine >= 0.9999 }\nfold_constants()\n", "r.txt");
        assertThat(r.verify().orElseThrow().runtimes()).containsExactly("opencv", "ort_mobile");
        assertThat(r.verify().orElseThrow().using()).contains("d");
        assertThat(RecipePrinter.print(r.verify().orElseThrow())).startsWith("verify using d on opencv, ort_mobile {");
        // 'on' stays usable as a name
        Recipe named = RecipeParser.parse("recipe \"t\" version 1\ndata on = random(count=2)\n"
                + "verify using on on opencv { cosine >= 0.9 }\n", "r.txt");
        assertThat(named.verify().orElseThrow().using()).contains("on");
    }
}
