package dev.onnxpress.dsl;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Optional;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** Random ASTs survive print → parse unchanged (locations aside). */
class RecipeRoundTripTest {

    private static final SourceLocation N = SourceLocation.UNKNOWN;

    private static final Set<String> RESERVED = Set.of(
            "recipe", "data", "verify", "pipeline", "repeat", "try", "in", "tolerance", "vs", "true", "false", "all");

    @Property(tries = 300)
    void printedRecipesParseBack(@ForAll("recipes") Recipe recipe) {
        String text = RecipePrinter.print(recipe);
        Recipe parsed = RecipeParser.parse(text, "generated");
        assertThat(LocationEraser.erase(parsed)).as(text).isEqualTo(recipe);
        assertThat(RecipePrinter.print(parsed)).isEqualTo(text);
    }

    @Property(tries = 200)
    void printedStepListsParseBack(@ForAll("stepLists") List<Statement> steps) {
        String text = RecipePrinter.printSteps(steps);
        assertThat(LocationEraser.erase(RecipeParser.parseSteps(text, "-p"))).as(text).isEqualTo(steps);
    }

    @Provide
    Arbitrary<List<Statement>> stepLists() {
        return statement(2).list().ofMaxSize(4);
    }

    @Provide
    Arbitrary<Recipe> recipes() {
        Arbitrary<List<DataDecl>> data = dataDecl().list().ofMaxSize(3).uniqueElements(DataDecl::name);
        Arbitrary<Optional<VerifyBlock>> verify = Combinators.combine(name().optional(), check().list().ofMaxSize(3))
                .as((using, checks) -> new VerifyBlock(using, checks, N)).optional();
        Arbitrary<List<Statement>> pipelines = Combinators.combine(name(), statement(2).list().ofMaxSize(3))
                .as((n, body) -> (Statement) new Statement.PipelineDecl(n, body, N))
                .list().ofMaxSize(2).uniqueElements(s -> ((Statement.PipelineDecl) s).name());
        Arbitrary<List<Statement>> statements = Combinators.combine(pipelines, statement(3).list().ofMaxSize(5))
                .as((p, s) -> {
                    var all = new java.util.ArrayList<>(p);
                    all.addAll(s);
                    return (List<Statement>) all;
                });
        return Combinators.combine(text(), Arbitraries.integers().between(0, 1000), data, verify, statements)
                .as((n, version, d, v, s) -> new Recipe(n, version, d, v, s, N));
    }

    private Arbitrary<Statement> statement(int depth) {
        Arbitrary<Statement> step = step();
        if (depth == 0) {
            return step;
        }
        Arbitrary<List<Statement>> body = Arbitraries.lazy(() -> statement(depth - 1)).list().ofMaxSize(3);
        Arbitrary<Statement> repeat = Combinators.combine(Arbitraries.integers().between(1, 9), body)
                .as((max, b) -> new Statement.Repeat(max, b, N));
        Arbitrary<Statement> tryStmt = Combinators.combine(name(), value(1).list().ofMaxSize(3), body)
                .as((v, values, b) -> new Statement.Try(v, values, b, N));
        return Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(6, step), net.jqwik.api.Tuple.of(1, repeat), net.jqwik.api.Tuple.of(1, tryStmt));
    }

    private Arbitrary<Statement> step() {
        Arbitrary<Optional<Tolerance>> tolerance = check().list().ofMaxSize(3).map(c -> new Tolerance(c, N)).optional();
        return Combinators.combine(name(), arg().list().ofMaxSize(4), tolerance)
                .as((n, args, t) -> new Statement.Step(n, args, t, N));
    }

    private Arbitrary<DataDecl> dataDecl() {
        return Combinators.combine(name(), name(), arg().list().ofMaxSize(3)).as((n, k, a) -> new DataDecl(n, k, a, N));
    }

    private Arbitrary<Arg> arg() {
        return Combinators.combine(name().optional(), value(2)).as((n, v) -> new Arg(n, v, N));
    }

    private Arbitrary<Check> check() {
        Arbitrary<Check.Ref> ref = Arbitraries.of(Check.Ref.class);
        Arbitrary<Value> bound = Arbitraries.oneOf(number(), percent());
        Arbitrary<Check> metric = Combinators.combine(name(), Arbitraries.of(Check.Comparison.class), bound, ref)
                .as((m, op, b, r) -> new Check.MetricCheck(m, op, b, r, N));
        Arbitrary<Check> accuracy = Combinators.combine(bound, ref).as((b, r) -> new Check.AccuracyCheck(b, r, N));
        return Arbitraries.oneOf(metric, accuracy);
    }

    private Arbitrary<Value> value(int depth) {
        Arbitrary<Value> leaf = Arbitraries.oneOf(
                number(), percent(),
                text().map(s -> new Value.Str(s, N)),
                Arbitraries.of(true, false).map(b -> new Value.Bool(b, N)),
                word(),
                selector(2));
        if (depth == 0) {
            return leaf;
        }
        Arbitrary<Value> list = Arbitraries.lazy(() -> value(depth - 1)).list().ofMaxSize(3)
                .map(items -> new Value.ListValue(items, N));
        return Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(5, leaf), net.jqwik.api.Tuple.of(1, list));
    }

    private Arbitrary<Value> number() {
        Arbitrary<Value> plain = Arbitraries.oneOf(
                        Arbitraries.integers().between(-100_000, 100_000).map(i -> (double) i),
                        Arbitraries.doubles().between(-1e6, 1e6),
                        Arbitraries.of(1e-4, 5e-3, 1e20, 0.9999, 1.5e-300))
                .filter(d -> !d.equals(-0.0))
                .map(Value.Num::of);
        Arbitrary<Value> fraction = Combinators.combine(
                        Arbitraries.integers().between(-1000, 1000), Arbitraries.integers().between(1, 1000))
                .as((a, b) -> new Value.Num((double) a / b, a + "/" + b, N));
        return Arbitraries.oneOf(plain, fraction);
    }

    private Arbitrary<Value> percent() {
        return Arbitraries.oneOf(Arbitraries.integers().between(-100, 100).map(i -> (double) i),
                        Arbitraries.doubles().between(0, 100).ofScale(3))
                .filter(d -> !d.equals(-0.0))
                .map(Value.Percent::of);
    }

    private Arbitrary<Value> word() {
        return name().map(n -> new Value.Word(n, N));
    }

    private Arbitrary<Value> selector(int depth) {
        Arbitrary<SetOperand> leaf = Arbitraries.oneOf(
                Arbitraries.just(new Selector.AllSel(N)),
                text().map(p -> new Selector.OpSel(p, N)),
                text().map(p -> new Selector.NameSel(p, N)),
                name().map(n -> new Value.Word(n, N)));
        return operand(depth, leaf).filter(Selector.class::isInstance).map(s -> (Value) s);
    }

    private Arbitrary<SetOperand> operand(int depth, Arbitrary<SetOperand> leaf) {
        if (depth == 0) {
            return leaf;
        }
        Arbitrary<SetOperand> sub = Arbitraries.lazy(() -> operand(depth - 1, leaf));
        Arbitrary<SetOperand> binary = Combinators.combine(Arbitraries.integers().between(0, 2), sub, sub)
                .as((kind, l, r) -> switch (kind) {
                    case 0 -> new Selector.Union(l, r, N);
                    case 1 -> new Selector.Difference(l, r, N);
                    default -> new Selector.Intersection(l, r, N);
                });
        return Arbitraries.oneOf(leaf, binary);
    }

    private Arbitrary<String> name() {
        Arbitrary<String> plain = Combinators.combine(
                        Arbitraries.chars().range('a', 'z').with('_', 'Q'),
                        Arbitraries.strings().withCharRange('a', 'z').withChars('_', '0', '9', 'Z').ofMaxLength(8))
                .as((first, rest) -> first + rest);
        return Arbitraries.oneOf(plain, Arbitraries.of("max", "version", "using", "max_drop", "original", "previous",
                        "op", "name", "accuracy"))
                .filter(n -> !RESERVED.contains(n));
    }

    private Arbitrary<String> text() {
        return Arbitraries.strings().withCharRange(' ', '~').withChars('\n', '\t', '\r', 'é', '→').ofMaxLength(12);
    }
}
