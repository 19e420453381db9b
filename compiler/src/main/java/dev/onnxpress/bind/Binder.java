package dev.onnxpress.bind;

import dev.onnxpress.dsl.Arg;
import dev.onnxpress.dsl.Check;
import dev.onnxpress.dsl.DataDecl;
import dev.onnxpress.dsl.Recipe;
import dev.onnxpress.dsl.RecipeParser;
import dev.onnxpress.dsl.RecipePrinter;
import dev.onnxpress.dsl.Selector;
import dev.onnxpress.dsl.SourceLocation;
import dev.onnxpress.dsl.Statement;
import dev.onnxpress.dsl.Value;
import dev.onnxpress.error.UserException;
import dev.onnxpress.passes.Pass;
import dev.onnxpress.passes.Placement;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Recipe AST → {@link Plan}. Everything that can be wrong with a recipe short of the model itself is
 * found here, in source order, and reported as one {@link BindException} line at the offending
 * argument: unknown passes, parameters, data sets and metrics (with a did-you-mean), wrong types,
 * values out of range, missing or repeated parameters, loop variables used outside their {@code try}
 * or shadowing, pipelines that use themselves, and placement constraints the passes declare.
 * A binder keeps state while it binds: use one per thread.
 */
public final class Binder {
    /** Metrics a check can name. */
    public static final List<String> METRICS = List.of("max_abs_error", "max_rel_error", "cosine", "top1_agreement",
            "accuracy");

    private final PassCatalog catalog;
    private Map<String, Statement.PipelineDecl> pipelines = Map.of();
    private Map<String, SourceLocation> loopVariables = Map.of();
    /** The evaluation data while binding (accuracy checks need labels). */
    private Optional<DataDeclaration> evaluation = Optional.empty();

    public Binder() {
        this(PassCatalog.registry());
    }

    public Binder(PassCatalog catalog) {
        this.catalog = catalog;
    }

    /** Reads, parses and binds a recipe file; locations name the file as {@code displayName}. */
    public Plan bindFile(Path recipeFile, String displayName) {
        String text;
        try {
            long size = Files.size(recipeFile);
            if (size > 4L * dev.onnxpress.dsl.RecipeLimits.MAX_CHARS) {
                throw new UserException("recipe file " + recipeFile + " is " + size + " bytes; a recipe may hold at most "
                        + dev.onnxpress.dsl.RecipeLimits.MAX_CHARS + " characters");
            }
            text = utf8(Files.readAllBytes(recipeFile), recipeFile);
        } catch (java.nio.file.NoSuchFileException e) {
            throw new UserException("recipe file not found: " + recipeFile);
        } catch (IOException e) {
            throw new UserException("cannot read recipe file " + recipeFile + ": " + e.getMessage(), e);
        }
        return bindText(text, displayName, Optional.ofNullable(recipeFile.toAbsolutePath().normalize().getParent()));
    }

    /** The bytes as UTF-8; anything else is an error naming the file, the byte offset and its line. */
    static String utf8(byte[] bytes, Path file) {
        java.nio.charset.CharsetDecoder dec = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(java.nio.charset.CodingErrorAction.REPORT)
                .onUnmappableCharacter(java.nio.charset.CodingErrorAction.REPORT);
        java.nio.ByteBuffer in = java.nio.ByteBuffer.wrap(bytes);
        java.nio.CharBuffer out = java.nio.CharBuffer.allocate(bytes.length);
        java.nio.charset.CoderResult r = dec.decode(in, out, true);
        if (!r.isError()) {
            r = dec.flush(out);
        }
        if (r.isError()) {
            int offset = in.position();
            int line = 1;
            for (int i = 0; i < offset; i++) {
                if (bytes[i] == '\n') {
                    line++;
                }
            }
            throw new UserException("recipe file " + file + " is not UTF-8 text: byte offset " + offset + " (line "
                    + line + ") holds " + String.format("0x%02X", bytes[Math.min(offset, bytes.length - 1)] & 0xff)
                    + ", which is not valid UTF-8; save the recipe as UTF-8");
        }
        out.flip();
        String text = out.toString();
        return text.startsWith("\uFEFF") ? text.substring(1) : text;
    }

    /** Parses and binds recipe text; syntax errors become the same one-line user errors as binding errors. */
    public Plan bindText(String text, String displayName, Optional<Path> folder) {
        Recipe recipe = parse(() -> RecipeParser.parse(text, displayName));
        return bind(recipe, folder);
    }

    /** The one-line form ({@code -p 'a(), b(x=1)'}): no data sets, checks on random probes. */
    public Plan bindSteps(String text, String displayName) {
        List<Statement> steps = parse(() -> RecipeParser.parseSteps(text, displayName));
        evaluation = Optional.empty();
        pipelines = collectPipelines(steps);
        loopVariables = collectLoopVariables(steps, new LinkedHashMap<>());
        Scope scope = new Scope(Map.of(), List.of(), loopVariables, false);
        List<Plan.Item> items = items(steps, scope, new ArrayDeque<>());
        checkPlacement(items);
        return new Plan("command line", displayName, List.of(), Optional.empty(), List.of(), items,
                RecipePrinter.printSteps(steps));
    }

    /**
     * The one-line form with data sets declared on the command line ({@code --data NAME=SPEC}, already
     * parsed to declarations, paths relative to {@code folder}) and optionally the one to verify with.
     */
    public Plan bindSteps(String text, String displayName, List<DataDecl> declared, Optional<String> verifyUsing,
                          Path folder) {
        if (declared.isEmpty() && verifyUsing.isEmpty()) {
            return bindSteps(text, displayName);
        }
        List<Statement> steps = parse(() -> RecipeParser.parseSteps(text, displayName));
        evaluation = Optional.empty();
        pipelines = collectPipelines(steps);
        loopVariables = collectLoopVariables(steps, new LinkedHashMap<>());
        List<DataDeclaration> data = new ArrayList<>();
        List<String> names = new ArrayList<>();
        for (DataDecl d : declared) {
            if (names.contains(d.name())) {
                throw new UserException("--data " + d.name() + " is given twice");
            }
            data.add(DataKinds.bind(d, Optional.of(folder), new Scope(Map.of(), List.of(), Map.of(), true)));
            names.add(d.name());
        }
        if (verifyUsing.isPresent() && !names.contains(verifyUsing.get())) {
            throw new UserException("--verify-data " + verifyUsing.get() + ": no such data set; declare it with --data "
                    + verifyUsing.get() + "=SPEC" + (names.isEmpty() ? "" : " (declared: " + String.join(", ", names)
                    + ")"));
        }
        Optional<DataDeclaration> eval = verifyUsing.flatMap(u -> data.stream().filter(d -> d.name().equals(u))
                .findFirst());
        evaluation = eval;
        Scope scope = new Scope(Map.of(), names, loopVariables, false);
        List<Plan.Item> items = items(steps, scope, new ArrayDeque<>());
        checkPlacement(items);
        return new Plan("command line", displayName, data, verifyUsing, List.of(), items,
                RecipePrinter.printSteps(steps));
    }

    /** One data declaration made outside a recipe (the command line), paths relative to {@code folder}. */
    public static DataDeclaration bindData(DataDecl declared, Path folder) {
        return DataKinds.bind(declared, Optional.of(folder), new Scope(Map.of(), List.of(), Map.of(), true));
    }

    private static <T> T parse(java.util.function.Supplier<T> parse) {
        try {
            return parse.get();
        } catch (dev.onnxpress.dsl.RecipeSyntaxException e) {
            throw new UserException(e.getMessage(), e);
        }
    }

    public Plan bind(Recipe recipe, Optional<Path> folder) {
        evaluation = Optional.empty();
        pipelines = collectPipelines(recipe.statements());
        loopVariables = collectLoopVariables(recipe.statements(), new LinkedHashMap<>());
        List<DataDeclaration> data = new ArrayList<>();
        List<String> names = new ArrayList<>();
        Map<String, Integer> index = new java.util.HashMap<>();
        for (DataDecl d : recipe.data()) {
            Integer first = index.putIfAbsent(d.name(), data.size());
            if (first != null) {
                throw new BindException(d.location(), "data set '" + d.name() + "' is declared twice (first at line "
                        + data.get(first).location().line() + ")");
            }
            data.add(DataKinds.bind(d, folder, new Scope(Map.of(), List.of(), Map.of(), true)));
            names.add(d.name());
        }
        Scope scope = new Scope(Map.of(), names, loopVariables, true);
        for (Map.Entry<String, SourceLocation> v : loopVariables.entrySet()) {
            if (names.contains(v.getKey())) {
                throw new BindException(v.getValue(), "loop variable '" + v.getKey() + "' shadows the data set '"
                        + v.getKey() + "'; rename it");
            }
        }
        Optional<String> using = Optional.empty();
        List<BoundCheck> checks = List.of();
        if (recipe.verify().isPresent()) {
            var verify = recipe.verify().get();
            if (verify.using().isPresent()) {
                String u = verify.using().get();
                if (!names.contains(u)) {
                    throw OptionsBinder.unknownData(u, verify.location(), scope);
                }
                using = Optional.of(u);
            }
            Optional<DataDeclaration> eval = using.flatMap(u -> data.stream().filter(d -> d.name().equals(u))
                    .findFirst());
            checks = checks(verify.checks(), eval, true);
            evaluation = eval;
        }
        List<Plan.Item> items = items(recipe.statements(), scope, new ArrayDeque<>());
        checkPlacement(items);
        List<String> targets = recipe.verify().map(v -> targets(v.runtimes(), v.location())).orElse(List.of());
        return new Plan(recipe.name(), recipe.location().file(), data, using, checks, items,
                RecipePrinter.print(recipe), targets);
    }

    /**
     * The runtimes of {@code verify … on A, B}, normalized ("ort-mobile" is "ort_mobile"); an unknown name
     * or the reference runtime itself is a BindException.
     */
    public static List<String> targets(List<String> names, SourceLocation at) {
        List<String> out = new ArrayList<>();
        for (String n : names) {
            var rt = dev.onnxpress.exec.InferenceRuntime.named(n).orElseThrow(() -> new BindException(at,
                    "unknown runtime '" + n + "' after 'on'" + DidYouMean.suffix(n,
                            dev.onnxpress.exec.InferenceRuntime.names()) + " (known: " + String.join(", ",
                            dev.onnxpress.exec.InferenceRuntime.names()) + ")"));
            if (rt.name().equals(dev.onnxpress.exec.OrtInference.NAME)) {
                throw new BindException(at, "'on ort': every step already runs in ONNX Runtime, the reference;"
                        + " name another runtime (" + String.join(", ", dev.onnxpress.exec.InferenceRuntime.names()
                        .stream().filter(x -> !x.equals("ort")).toList()) + ")");
            }
            if (!out.contains(rt.name())) {
                out.add(rt.name());
            }
        }
        return out;
    }

    // ---------------------------------------------------------------- structure

    private Map<String, Statement.PipelineDecl> collectPipelines(List<Statement> statements) {
        Map<String, Statement.PipelineDecl> out = new LinkedHashMap<>();
        for (Statement s : statements) {
            if (s instanceof Statement.PipelineDecl p) {
                if (out.containsKey(p.name())) {
                    throw new BindException(p.location(), "pipeline '" + p.name() + "' is declared twice (first at line "
                            + out.get(p.name()).location().line() + ")");
                }
                if (catalog.find(p.name()).isPresent()) {
                    throw new BindException(p.location(), "pipeline '" + p.name()
                            + "' has the name of a pass; rename the pipeline");
                }
                out.put(p.name(), p);
            }
        }
        return out;
    }

    private static Map<String, SourceLocation> collectLoopVariables(List<Statement> statements,
                                                                    Map<String, SourceLocation> out) {
        for (Statement s : statements) {
            if (s instanceof Statement.Try t) {
                out.putIfAbsent(t.variable(), t.location());
                collectLoopVariables(t.body(), out);
            } else if (s instanceof Statement.Repeat r) {
                collectLoopVariables(r.body(), out);
            } else if (s instanceof Statement.PipelineDecl p) {
                collectLoopVariables(p.body(), out);
            }
        }
        return out;
    }

    private List<Plan.Item> items(List<Statement> statements, Scope scope, Deque<String> expanding) {
        List<Plan.Item> out = new ArrayList<>();
        for (Statement s : statements) {
            if (s instanceof Statement.PipelineDecl p) {
                if (!expanding.isEmpty() || !scope.variables().isEmpty()) {
                    throw new BindException(p.location(), "pipelines are declared at the top level of a recipe");
                }
            } else if (s instanceof Statement.Step step) {
                Optional<Pass<?>> pass = catalog.find(step.name());
                if (pass.isEmpty() && pipelines.containsKey(step.name())) {
                    out.addAll(expand(step, scope, expanding));
                } else {
                    out.add(step(step, pass, scope));
                }
            } else if (s instanceof Statement.Repeat r) {
                if (r.max() < 1) {
                    throw new BindException(r.location(), "repeat max must be at least 1, not " + r.max());
                }
                if (r.max() > dev.onnxpress.dsl.RecipeLimits.MAX_REPEAT) {
                    throw new BindException(r.location(), "repeat max " + r.max() + " is more than the limit of "
                            + dev.onnxpress.dsl.RecipeLimits.MAX_REPEAT + " rounds");
                }
                out.add(new Plan.Repeat(r.max(), items(r.body(), scope, expanding), r.location()));
            } else {
                out.add(tryBlock((Statement.Try) s, scope, expanding));
            }
        }
        return out;
    }

    private List<Plan.Item> expand(Statement.Step use, Scope scope, Deque<String> expanding) {
        Statement.PipelineDecl p = pipelines.get(use.name());
        if (!use.args().isEmpty()) {
            throw new BindException(use.args().get(0).location(), "pipeline '" + use.name()
                    + "' takes no arguments");
        }
        if (use.tolerance().isPresent()) {
            throw new BindException(use.tolerance().get().location(), "a tolerance applies to one pass, not to pipeline '"
                    + use.name() + "'; put it on the steps inside the pipeline");
        }
        if (expanding.contains(use.name())) {
            throw new BindException(use.location(), "pipeline '" + use.name() + "' uses itself (through "
                    + String.join(" → ", expanding) + ")");
        }
        if (expanding.size() >= dev.onnxpress.dsl.RecipeLimits.MAX_PIPELINE_DEPTH) {
            throw new BindException(use.location(), "pipelines used inside pipelines more than "
                    + dev.onnxpress.dsl.RecipeLimits.MAX_PIPELINE_DEPTH + " deep (the limit), through "
                    + expanding.peekFirst() + " → … → " + expanding.peekLast() + " → " + use.name());
        }
        expanding.addLast(use.name());
        // a pipeline body sees data sets but not the loop variables around its use
        Scope inner = new Scope(Map.of(), scope.dataSets(), scope.allLoopVariables(), scope.dataDeclarable());
        List<Plan.Item> body = items(p.body(), inner, expanding);
        expanding.removeLast();
        return body;
    }

    private Plan.Try tryBlock(Statement.Try t, Scope scope, Deque<String> expanding) {
        String var = t.variable();
        if (scope.variables().containsKey(var)) {
            throw new BindException(t.location(), "loop variable '" + var + "' shadows the variable of an enclosing try"
                    + " at line " + loopLine(var) + "; rename it");
        }
        if (scope.dataSets().contains(var)) {
            throw new BindException(t.location(), "loop variable '" + var + "' shadows the data set '" + var
                    + "'; rename it");
        }
        if (t.values().isEmpty()) {
            throw new BindException(t.location(), "try " + var + " needs at least one value");
        }
        if (!usesWord(t.body(), var)) {
            throw new BindException(t.location(), "loop variable '" + var + "' is not used inside its try block");
        }
        List<Plan.Attempt> attempts = new ArrayList<>();
        for (Value v : t.values()) {
            Value resolved = OptionsBinder.resolve(v, scope);
            attempts.add(new Plan.Attempt(var + "=" + RecipePrinter.print(resolved),
                    items(t.body(), scope.with(var, resolved), expanding)));
        }
        return new Plan.Try(var, attempts, t.location());
    }

    private int loopLine(String var) {
        SourceLocation l = loopVariables.get(var);
        return l == null ? 0 : l.line();
    }

    private static boolean usesWord(List<Statement> body, String word) {
        for (Statement s : body) {
            if (s instanceof Statement.Step st) {
                for (Arg a : st.args()) {
                    if (mentions(a.value(), word)) {
                        return true;
                    }
                }
            } else if (s instanceof Statement.Repeat r && usesWord(r.body(), word)) {
                return true;
            } else if (s instanceof Statement.Try t) {
                if (t.values().stream().anyMatch(v -> mentions(v, word)) || usesWord(t.body(), word)) {
                    return true;
                }
            }
        }
        return false;
    }

    private static boolean mentions(Value v, String word) {
        if (v instanceof Value.Word w) {
            return w.text().equals(word);
        }
        if (v instanceof Value.ListValue l) {
            return l.items().stream().anyMatch(i -> mentions(i, word));
        }
        if (v instanceof Selector.Union u) {
            return mentions(u.left(), word) || mentions(u.right(), word);
        }
        if (v instanceof Selector.Difference d) {
            return mentions(d.left(), word) || mentions(d.right(), word);
        }
        if (v instanceof Selector.Intersection x) {
            return mentions(x.left(), word) || mentions(x.right(), word);
        }
        return false;
    }

    // ---------------------------------------------------------------- steps

    private Plan.Step step(Statement.Step step, Optional<Pass<?>> found, Scope scope) {
        if (found.isEmpty()) {
            List<String> candidates = new ArrayList<>(catalog.ids());
            candidates.addAll(pipelines.keySet());
            throw new BindException(step.location(), "unknown pass '" + step.name() + "'"
                    + DidYouMean.suffix(step.name(), candidates));
        }
        Pass<?> pass = found.get();
        OptionsBinder.Bound<?> bound = OptionsBinder.bind(pass.optionsType(), pass.info().id(), step.args(),
                step.location(), scope);
        List<BoundCheck> tolerance = step.tolerance().map(t -> checks(t.checks(), evaluation, false))
                .orElse(List.of());
        return new Plan.Step(pass, bound.options(), bound.givenText(), bound.allText(), tolerance, step.location());
    }

    private List<BoundCheck> checks(List<Check> checks, Optional<DataDeclaration> eval, boolean verifyBlock) {
        List<BoundCheck> out = new ArrayList<>();
        Map<String, BoundCheck> seen = new LinkedHashMap<>();
        for (Check c : checks) {
            BoundCheck b = check(c, eval);
            String key = b.key() + "/" + b.op().symbol().charAt(0);
            if (seen.containsKey(key)) {
                throw new BindException(c.location(), "'" + b.metric() + " vs " + b.referenceName()
                        + "' is checked twice in this block (first at line " + seen.get(key).location().line() + ")");
            }
            seen.put(key, b);
            out.add(b);
        }
        return out;
    }

    private BoundCheck check(Check c, Optional<DataDeclaration> eval) {
        String text = RecipePrinter.print(c);
        if (c instanceof Check.AccuracyCheck a) {
            requireLabels(c.location(), eval);
            double drop = fraction(a.maxDrop(), "max_drop", c.location());
            if (drop < 0) {
                throw new BindException(c.location(), "accuracy max_drop must not be negative, not "
                        + RecipePrinter.print(a.maxDrop()));
            }
            return new BoundCheck("accuracy", Check.Comparison.GE, drop, c.ref(), BoundCheck.Kind.ACCURACY_DROP, text,
                    c.location());
        }
        Check.MetricCheck m = (Check.MetricCheck) c;
        if (!METRICS.contains(m.metric())) {
            throw new BindException(c.location(), "unknown metric '" + m.metric() + "'"
                    + DidYouMean.suffix(m.metric(), METRICS) + " (metrics: " + String.join(", ", METRICS) + ")");
        }
        if (m.metric().equals("accuracy")) {
            requireLabels(c.location(), eval);
        }
        double bound = fraction(m.bound(), m.metric(), c.location());
        return new BoundCheck(m.metric(), m.op(), bound, m.ref(), BoundCheck.Kind.FIXED, text, c.location());
    }

    private void requireLabels(SourceLocation at, Optional<DataDeclaration> eval) {
        if (eval.isEmpty()) {
            throw new BindException(at, "accuracy needs labelled data: add 'using DATA' to the verify block"
                    + " with a data set that has labels");
        }
        if (!eval.get().labelled()) {
            throw new BindException(at, "accuracy needs labels but data '" + eval.get().name() + "' has none");
        }
    }

    private static double fraction(Value v, String what, SourceLocation at) {
        if (v instanceof Value.Num n) {
            return n.value();
        }
        if (v instanceof Value.Percent p) {
            return p.fraction();
        }
        throw new BindException(at, "expected a number for the bound of '" + what + "' but got "
                + OptionsBinder.describe(v));
    }

    // ---------------------------------------------------------------- placement

    /**
     * Ordering constraints declared by passes, checked over the steps in source order (each {@code try}
     * attempt in turn). A violation is reported at the later of the two steps, with the pass's fix.
     */
    @SuppressWarnings({"unchecked", "rawtypes"})
    private static void checkPlacement(List<Plan.Item> items) {
        List<Plan.Step> order = new ArrayList<>();
        linear(items, order);
        for (int i = 0; i < order.size(); i++) {
            Plan.Step s = order.get(i);
            List<Placement> rules = ((Pass) s.pass()).placement(s.options());
            for (Placement p : rules) {
                Optional<Plan.Step> earlier = order.subList(0, i).stream()
                        .filter(o -> o.passId().equals(p.otherPass())).findFirst();
                Optional<Plan.Step> later = order.subList(i + 1, order.size()).stream()
                        .filter(o -> o.passId().equals(p.otherPass())).findFirst();
                String why = why(p);
                if (p.kind() == Placement.Kind.BEFORE && earlier.isPresent()) {
                    throw new BindException(s.location(), s.call() + " must run before " + p.otherPass() + " (line "
                            + earlier.get().location().line() + ")" + why);
                }
                if (p.kind() == Placement.Kind.AFTER && earlier.isEmpty()) {
                    if (later.isPresent()) {
                        throw new BindException(later.get().location(), later.get().call() + " runs after "
                                + s.call() + " (line " + s.location().line() + "), which must run after it" + why);
                    }
                    throw new BindException(s.location(), s.call() + " must run after " + p.otherPass()
                            + ", which the recipe does not run" + why);
                }
            }
        }
    }

    private static String why(Placement p) {
        StringBuilder sb = new StringBuilder();
        if (p.reason() != null && !p.reason().isBlank()) {
            sb.append(": ").append(p.reason());
        }
        if (p.fix() != null && !p.fix().isBlank()) {
            sb.append("; ").append(p.fix());
        }
        return sb.toString();
    }

    private static void linear(List<Plan.Item> items, List<Plan.Step> out) {
        for (Plan.Item i : items) {
            if (i instanceof Plan.Step s) {
                out.add(s);
            } else if (i instanceof Plan.Repeat r) {
                linear(r.body(), out);
            } else if (i instanceof Plan.Try t) {
                t.attempts().forEach(a -> linear(a.body(), out));
            }
        }
    }
}
