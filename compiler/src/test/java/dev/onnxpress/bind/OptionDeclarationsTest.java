package dev.onnxpress.bind;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.onnxpress.cli.Main;
import dev.onnxpress.dsl.RecipeParser;
import dev.onnxpress.dsl.RecipePrinter;
import dev.onnxpress.dsl.SourceLocation;
import dev.onnxpress.dsl.Statement;
import dev.onnxpress.passes.DataRef;
import dev.onnxpress.passes.OptionSpec;
import dev.onnxpress.passes.Param;
import dev.onnxpress.passes.Pass;
import dev.onnxpress.passes.PassInfo;
import dev.onnxpress.passes.PassOptions;
import dev.onnxpress.passes.PassRegistry;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Each option is declared once ({@code @Param} on its record component, read through {@link OptionSpec}) and
 * every reader agrees with that declaration: the recipe binder, the programmatic factory {@link PassOptions},
 * and {@code onnxpress passes ID}. Enum values have one, lower-case, spelling; statistics are described.
 */
class OptionDeclarationsTest {
    static final List<Class<? extends Record>> DATA_KINDS = List.of(DataKinds.IdxArgs.class, DataKinds.NpyArgs.class,
            DataKinds.TestDataArgs.class, DataKinds.RandomArgs.class);

    static Scope scope() {
        return new Scope(Map.of(), List.of("calib"), Map.of(), true);
    }

    static OptionsBinder.Bound<?> bind(Class<? extends Record> type, String id, String args) {
        Statement.Step step = (Statement.Step) RecipeParser.parseSteps(id + "(" + args + ")", "t").get(0);
        return OptionsBinder.bind(type, id, step.args(), step.location(), scope());
    }

    private static final Map<String, String> PASSES_ID = new java.util.concurrent.ConcurrentHashMap<>();

    /** What {@code onnxpress passes ID} prints. */
    static String passesId(String id) {
        return PASSES_ID.computeIfAbsent(id, k -> {
            Main.Execution doc = Main.execute("passes", k);
            assertThat(doc.exitCode()).as(doc.err()).isZero();
            return doc.out();
        });
    }

    static List<Class<? extends Record>> optionTypes() {
        List<Class<? extends Record>> all = new ArrayList<>(DATA_KINDS);
        PassRegistry.all().forEach(p -> all.add(p.optionsType()));
        return all;
    }

    /** A value for a required option, in recipe text and as the record holds it. */
    private record Given(String text, Object value) {
    }

    private static Given required(OptionSpec s) {
        Type t = s.type();
        if (t == DataRef.class) {
            return new Given("calib", new DataRef("calib"));
        }
        if (t == int.class) {
            int v = (int) Math.max(1, s.min());
            return new Given(Integer.toString(v), v);
        }
        if (t instanceof Class<?> c && c.isEnum()) {
            Enum<?> first = (Enum<?>) c.getEnumConstants()[0];
            return new Given(OptionSpec.spelling(first), first);
        }
        throw new AssertionError("no sample value for required option " + s.name() + " of type " + t);
    }

    @Test
    void everyDefaultReadsAsItsTypeWithinItsRange() {
        int checked = 0;
        for (Class<? extends Record> type : optionTypes()) {
            for (OptionSpec s : OptionSpec.of(type)) {
                if (s.dflt().isPresent()) {
                    Object v = s.defaultValue();
                    assertThat(s.outOfRange(v)).as(type.getSimpleName() + "." + s.name()).isEmpty();
                    checked++;
                }
            }
        }
        assertThat(checked).isGreaterThan(50);
    }

    record OutOfRange(@Param(doc = "a fraction", dflt = "1.5", min = 0, max = 1) double ratio) {
    }

    record NotItsType(@Param(doc = "a count", dflt = "0.5") int count) {
    }

    /** Data kinds' defaults too are recipe text the printer writes back unchanged and the binder reads alike. */
    @Test
    void dataKindDefaultsAreCanonicalRecipeText() {
        for (Class<? extends Record> type : DATA_KINDS) {
            for (OptionSpec s : OptionSpec.of(type)) {
                if (s.dflt().isPresent()) {
                    String d = s.dflt().get();
                    Statement.Step step = (Statement.Step) RecipeParser.parseSteps("x(v=" + d + ")", "t").get(0);
                    assertThat(RecipePrinter.print(step.args().get(0).value())).isEqualTo(d);
                }
            }
        }
    }

    @Test
    void aDefaultOutsideItsRangeOrNotOfItsTypeIsRefusedByEveryReader() {
        assertThatThrownBy(() -> OptionSpec.of(OutOfRange.class).get(0).defaultValue())
                .hasMessageContaining("default of 'ratio' (1.5) is not between 0 and 1");
        assertThatThrownBy(() -> PassOptions.defaults(OutOfRange.class)).hasMessageContaining("between 0 and 1");
        assertThatThrownBy(() -> bind(OutOfRange.class, "x", "")).hasMessageContaining("between 0 and 1");
        assertThatThrownBy(() -> PassOptions.defaults(NotItsType.class)).hasMessageContaining("not a whole number");
        assertThatThrownBy(() -> PassOptions.of(OutOfRange.class, Map.of("ratio", 2.0)))
                .hasMessageContaining("OutOfRange.ratio must be between 0 and 1 but is 2");
        assertThatThrownBy(() -> PassOptions.of(OutOfRange.class, Map.of("ratoi", 0.5)))
                .hasMessageContaining("no option 'ratoi' (options: ratio)");
    }

    /**
     * For every registered pass: binding no arguments gives the record {@link PassOptions} builds from the
     * declarations; the canonical text lists each default exactly as {@code passes ID} prints it; and that
     * printed default, written in a recipe, binds to the same value.
     */
    @Test
    void binderDefaultsAreWhatPassesIdPrints() {
        for (Pass<?> p : PassRegistry.all()) {
            String id = p.info().id();
            Class<? extends Record> type = p.optionsType();
            Map<String, Object> requiredValues = new LinkedHashMap<>();
            List<String> requiredArgs = new ArrayList<>();
            for (OptionSpec s : OptionSpec.of(type)) {
                if (s.required()) {
                    Given g = required(s);
                    requiredValues.put(s.name(), g.value());
                    requiredArgs.add(s.name() + "=" + g.text());
                }
            }
            String req = String.join(", ", requiredArgs);
            OptionsBinder.Bound<?> bound = bind(type, id, req);
            assertThat(bound.options()).as(id).isEqualTo(PassOptions.of(type, requiredValues));
            String doc = passesId(id);
            for (OptionSpec s : OptionSpec.of(type)) {
                String line = "\n  " + s.name() + " (" + s.typeName();
                if (s.dflt().isEmpty()) {
                    assertThat(doc).as(id).contains(line + (s.required() ? ", required" : ", optional"));
                    continue;
                }
                String d = s.dflt().get();
                assertThat(doc).as(id).contains(line + ", default " + d);
                assertThat(", " + bound.allText() + ",").as(id).contains(", " + s.name() + "=" + d + ",");
                var explicit = bind(type, id, (req.isEmpty() ? "" : req + ", ") + s.name() + "=" + d);
                assertThat(explicit.options()).as(id + "." + s.name() + "=" + d).isEqualTo(bound.options());
                // the declared text is what the recipe printer writes for it (reports quote it unchanged)
                Statement.Step step = (Statement.Step) RecipeParser.parseSteps("x(v=" + d + ")", "t").get(0);
                assertThat(RecipePrinter.print(step.args().get(0).value())).as(id + "." + s.name()).isEqualTo(d);
            }
            for (OptionSpec s : OptionSpec.of(type)) {
                s.range().ifPresent(r -> assertThat(doc).as(id + "." + s.name())
                        .containsPattern("\\n  " + s.name() + " \\([^\\n]*, " + java.util.regex.Pattern.quote(r) + "\\)"));
            }
        }
    }

    /** Every enum value of every registered pass is lower case; any case binds; reports and docs show lower case. */
    @Test
    void enumValuesHaveOneLowerCaseSpelling() {
        int enums = 0;
        for (Pass<?> p : PassRegistry.all()) {
            String id = p.info().id();
            String doc = passesId(id);
            Map<String, Object> requiredValues = new LinkedHashMap<>();
            Map<String, String> requiredArgs = new LinkedHashMap<>();
            for (OptionSpec s : OptionSpec.of(p.optionsType())) {
                if (s.required()) {
                    Given g = required(s);
                    requiredValues.put(s.name(), g.value());
                    requiredArgs.put(s.name(), g.text());
                }
            }
            for (OptionSpec s : OptionSpec.of(p.optionsType())) {
                Optional<Class<?>> e = enumOf(s.type());
                if (e.isEmpty()) {
                    continue;
                }
                enums++;
                for (Object constant : e.get().getEnumConstants()) {
                    String name = ((Enum<?>) constant).name();
                    assertThat(name).as(id + "." + s.name()).isEqualTo(name.toLowerCase(Locale.ROOT));
                    Map<String, String> args = new LinkedHashMap<>(requiredArgs);
                    args.put(s.name(), name.toUpperCase(Locale.ROOT));
                    var b = bind(p.optionsType(), id, String.join(", ", args.entrySet().stream()
                            .map(a -> a.getKey() + "=" + a.getValue()).toList()));
                    assertThat(b.givenText()).as(id).contains(s.name() + "=" + name);
                    Map<String, Object> values = new LinkedHashMap<>(requiredValues);
                    values.put(s.name(), constant);
                    assertThat(b.options()).as(id).isEqualTo(PassOptions.of(p.optionsType(), values));
                }
                assertThat(doc).as(id).contains(s.name() + " (" + s.typeName());
                assertThat(s.typeName()).isEqualTo(s.typeName().toLowerCase(Locale.ROOT));
            }
        }
        assertThat(enums).isGreaterThanOrEqualTo(10);
    }

    private static Optional<Class<?>> enumOf(Type t) {
        if (t instanceof ParameterizedType pt) {
            return enumOf(pt.getActualTypeArguments()[0]);
        }
        return t instanceof Class<?> c && c.isEnum() ? Optional.of(c) : Optional.empty();
    }

    /** Every statistic of every registered pass is described, and {@code passes ID} shows the description. */
    @Test
    void statisticsAreDescribedInPassesId() {
        for (Pass<?> p : PassRegistry.all()) {
            PassInfo info = p.info();
            String doc = passesId(info.id());
            for (String st : info.statistics()) {
                assertThat(info.description(st)).as(info.id() + "." + st).isPresent();
                assertThat(doc).contains("\n  " + st + " — " + info.description(st).get() + "\n");
            }
        }
    }

    @Test
    void requiredOptionsAreNamedWhenMissing() {
        assertThatThrownBy(() -> OptionsBinder.bind(dev.onnxpress.passes.quant.int8.QuantizeInt8Options.class,
                "quantize_int8", List.of(), SourceLocation.UNKNOWN, scope()))
                .hasMessageContaining("missing required parameter 'calibration' (data set: ");
        assertThatThrownBy(() -> PassOptions.defaults(dev.onnxpress.passes.quant.int8.QuantizeInt8Options.class))
                .hasMessageContaining("option 'calibration' is required");
    }
}
