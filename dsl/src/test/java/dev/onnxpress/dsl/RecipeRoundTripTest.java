package dev.onnxpress.dsl;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.function.Supplier;
import java.util.stream.LongStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Random ASTs survive print → parse unchanged (locations aside). Each case is drawn from its own seed, so a
 * failure names the seed that reproduces it.
 */
class RecipeRoundTripTest {

    private static final SourceLocation N = SourceLocation.UNKNOWN;

    private static final Set<String> RESERVED = Set.of(
            "recipe", "data", "verify", "pipeline", "repeat", "try", "in", "tolerance", "vs", "true", "false", "all");

    static LongStream recipeSeeds() {
        return LongStream.range(0, 300).map(i -> 20_261_202L + i);
    }

    static LongStream stepListSeeds() {
        return LongStream.range(0, 200).map(i -> 7_000_000L + i);
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("recipeSeeds")
    void printedRecipesParseBack(long seed) {
        Recipe recipe = new Gen(seed).recipe();
        String text = RecipePrinter.print(recipe);
        Recipe parsed = RecipeParser.parse(text, "generated");
        assertThat(LocationEraser.erase(parsed)).as("seed %d:%n%s", seed, text).isEqualTo(recipe);
        assertThat(RecipePrinter.print(parsed)).isEqualTo(text);
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("stepListSeeds")
    void printedStepListsParseBack(long seed) {
        Gen g = new Gen(seed);
        List<Statement> steps = g.list(4, () -> g.statement(2));
        String text = RecipePrinter.printSteps(steps);
        assertThat(LocationEraser.erase(RecipeParser.parseSteps(text, "-p"))).as("seed %d:%n%s", seed, text)
                .isEqualTo(steps);
    }

    /** Generators of AST parts, each drawing from one seeded source. */
    private static final class Gen {
        private final Random r;

        Gen(long seed) {
            this.r = new Random(seed);
        }

        <T> List<T> list(int maxSize, Supplier<T> item) {
            int n = r.nextInt(maxSize + 1);
            List<T> out = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                out.add(item.get());
            }
            return out;
        }

        <T> Optional<T> optional(Supplier<T> item) {
            return r.nextInt(4) == 0 ? Optional.empty() : Optional.of(item.get());
        }

        Recipe recipe() {
            Set<String> dataNames = new HashSet<>();
            List<DataDecl> data = new ArrayList<>();
            for (DataDecl d : list(3, this::dataDecl)) {
                if (dataNames.add(d.name())) {
                    data.add(d);
                }
            }
            Optional<VerifyBlock> verify = optional(() -> new VerifyBlock(optional(this::name), list(2, this::name), list(3, this::check), N));
            Set<String> pipelineNames = new HashSet<>();
            List<Statement> statements = new ArrayList<>();
            for (int i = r.nextInt(3); i > 0; i--) {
                String name = name();
                List<Statement> body = list(3, () -> statement(2));
                if (pipelineNames.add(name)) {
                    statements.add(new Statement.PipelineDecl(name, body, N));
                }
            }
            statements.addAll(list(5, () -> statement(3)));
            return new Recipe(text(), r.nextInt(1001), data, verify, statements, N);
        }

        Statement statement(int depth) {
            int kind = depth == 0 ? 0 : r.nextInt(8);
            if (kind < 6) {
                return step();
            }
            List<Statement> body = list(3, () -> statement(depth - 1));
            if (kind == 6) {
                return new Statement.Repeat(1 + r.nextInt(9), body, N);
            }
            return new Statement.Try(name(), list(3, () -> value(1)), body, N);
        }

        private Statement step() {
            String name = name();
            List<Arg> args = list(4, this::arg);
            Optional<Tolerance> tolerance = optional(() -> new Tolerance(list(3, this::check), N));
            return new Statement.Step(name, args, tolerance, N);
        }

        private DataDecl dataDecl() {
            return new DataDecl(name(), name(), list(3, this::arg), N);
        }

        private Arg arg() {
            Optional<String> name = optional(this::name);
            return new Arg(name, value(2), N);
        }

        private Check check() {
            Check.Ref[] refs = Check.Ref.values();
            Value bound = r.nextBoolean() ? number() : percent();
            Check.Ref ref = refs[r.nextInt(refs.length)];
            if (r.nextBoolean()) {
                Check.Comparison[] ops = Check.Comparison.values();
                return new Check.MetricCheck(name(), ops[r.nextInt(ops.length)], bound, ref, N);
            }
            return new Check.AccuracyCheck(bound, ref, N);
        }

        private Value value(int depth) {
            if (depth > 0 && r.nextInt(6) == 0) {
                return new Value.ListValue(list(3, () -> value(depth - 1)), N);
            }
            return switch (r.nextInt(6)) {
                case 0 -> number();
                case 1 -> percent();
                case 2 -> new Value.Str(text(), N);
                case 3 -> new Value.Bool(r.nextBoolean(), N);
                case 4 -> new Value.Word(name(), N);
                default -> selector();
            };
        }

        private Value number() {
            switch (r.nextInt(4)) {
                case 0:
                    return Value.Num.of(nonNegativeZero(r.nextInt(200_001) - 100_000));
                case 1:
                    return Value.Num.of(nonNegativeZero(-1e6 + 2e6 * r.nextDouble()));
                case 2:
                    double[] special = {1e-4, 5e-3, 1e20, 0.9999, 1.5e-300};
                    return Value.Num.of(special[r.nextInt(special.length)]);
                default:
                    int a = r.nextInt(2001) - 1000;
                    int b = 1 + r.nextInt(1000);
                    return new Value.Num((double) a / b, a + "/" + b, N);
            }
        }

        private Value percent() {
            double p = r.nextBoolean() ? r.nextInt(201) - 100 : Math.round(r.nextDouble() * 100_000) / 1000.0;
            return Value.Percent.of(nonNegativeZero(p));
        }

        private static double nonNegativeZero(double d) {
            return d == 0 ? 0.0 : d;
        }

        /** A selector: a leaf that is itself a selector, or set operations over leaves (words included). */
        private Value selector() {
            SetOperand s = operand(2);
            while (!(s instanceof Selector)) {
                s = operand(2);
            }
            return (Value) s;
        }

        private SetOperand operand(int depth) {
            if (depth > 0 && r.nextBoolean()) {
                SetOperand left = operand(depth - 1);
                SetOperand right = operand(depth - 1);
                return switch (r.nextInt(3)) {
                    case 0 -> new Selector.Union(left, right, N);
                    case 1 -> new Selector.Difference(left, right, N);
                    default -> new Selector.Intersection(left, right, N);
                };
            }
            return switch (r.nextInt(4)) {
                case 0 -> new Selector.AllSel(N);
                case 1 -> new Selector.OpSel(text(), N);
                case 2 -> new Selector.NameSel(text(), N);
                default -> new Value.Word(name(), N);
            };
        }

        private String name() {
            while (true) {
                String n;
                if (r.nextInt(4) == 0) {
                    String[] words = {"max", "version", "using", "max_drop", "original", "previous", "op", "name",
                        "accuracy"};
                    n = words[r.nextInt(words.length)];
                } else {
                    String firstChars = "abcdefghijklmnopqrstuvwxyz_Q";
                    String restChars = "abcdefghijklmnopqrstuvwxyz_09Z";
                    StringBuilder sb = new StringBuilder().append(firstChars.charAt(r.nextInt(firstChars.length())));
                    for (int i = r.nextInt(9); i > 0; i--) {
                        sb.append(restChars.charAt(r.nextInt(restChars.length())));
                    }
                    n = sb.toString();
                }
                if (!RESERVED.contains(n)) {
                    return n;
                }
            }
        }

        private String text() {
            StringBuilder sb = new StringBuilder();
            String extra = "\n\t\ré→";
            for (int i = r.nextInt(13); i > 0; i--) {
                if (r.nextInt(10) == 0) {
                    sb.append(extra.charAt(r.nextInt(extra.length())));
                } else {
                    sb.append((char) (' ' + r.nextInt('~' - ' ' + 1)));
                }
            }
            return sb.toString();
        }
    }
}
