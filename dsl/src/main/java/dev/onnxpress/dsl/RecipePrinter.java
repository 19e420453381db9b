package dev.onnxpress.dsl;

import java.util.List;
import java.util.stream.Collectors;

/**
 * Canonical recipe text. Reading the printed text back gives the same AST up to source
 * locations: {@code parse(print(parse(s)))} equals {@code parse(s)} ignoring locations. Data
 * declarations and the verify block come first, then the statements; numbers and percentages
 * keep their source spelling; steps always get parentheses.
 */
public final class RecipePrinter {

    private static final String INDENT = "  ";

    private RecipePrinter() {
    }

    public static String print(Recipe recipe) {
        StringBuilder out = new StringBuilder();
        out.append("recipe ").append(quote(recipe.name())).append(" version ").append(recipe.version()).append('\n');
        if (!recipe.data().isEmpty() || recipe.verify().isPresent()) {
            out.append('\n');
        }
        for (DataDecl d : recipe.data()) {
            out.append(print(d)).append('\n');
        }
        recipe.verify().ifPresent(v -> out.append(print(v)).append('\n'));
        if (!recipe.statements().isEmpty()) {
            out.append('\n');
        }
        for (Statement s : recipe.statements()) {
            statement(out, s, "");
        }
        return out.toString();
    }

    /** {@code data calib = idx(images="…", scale=1/255)}. */
    public static String print(DataDecl data) {
        return "data " + data.name() + " = " + data.kind() + args(data.args());
    }

    /** {@code verify using test { accuracy max_drop 1% }}. */
    public static String print(VerifyBlock verify) {
        return "verify " + verify.using().map(u -> "using " + u + " ").orElse("")
                + (verify.runtimes().isEmpty() ? "" : "on " + String.join(", ", verify.runtimes()) + " ")
                + checks(verify.checks());
    }

    /**
     * The step's call without its tolerance, as reports show it:
     * {@code prune_channels(ratio=50%, layers=op("Conv"))}.
     */
    public static String print(Statement.Step step) {
        return step.name() + args(step.args());
    }

    /** A statement as it stands in a recipe file, over several lines for blocks and tolerances. */
    public static String printStatement(Statement statement) {
        StringBuilder out = new StringBuilder();
        statement(out, statement, "");
        return out.toString();
    }

    /** The one-line form that {@link RecipeParser#parseSteps} reads: {@code a(), b(x=1), repeat max 2 { c() }}. */
    public static String printSteps(List<Statement> statements) {
        return statements.stream().map(RecipePrinter::inline).collect(Collectors.joining(", "));
    }

    public static String print(Check check) {
        String ref = check.ref() == Check.Ref.PREVIOUS ? " vs previous" : "";
        if (check instanceof Check.MetricCheck m) {
            return m.metric() + ref + " " + m.op().symbol() + " " + print(m.bound());
        }
        return "accuracy" + ref + " max_drop " + print(((Check.AccuracyCheck) check).maxDrop());
    }

    public static String print(Value value) {
        return value(value, 0);
    }

    public static String print(Arg arg) {
        return arg.name().map(n -> n + "=").orElse("") + print(arg.value());
    }

    private static void statement(StringBuilder out, Statement s, String indent) {
        if (s instanceof Statement.Step step) {
            out.append(indent).append(print(step)).append('\n');
            step.tolerance().ifPresent(t ->
                    out.append(indent).append(INDENT).append("tolerance ").append(checks(t.checks())).append('\n'));
        } else if (s instanceof Statement.PipelineDecl p) {
            block(out, "pipeline " + p.name(), p.body(), indent);
        } else if (s instanceof Statement.Repeat r) {
            block(out, "repeat max " + r.max(), r.body(), indent);
        } else {
            Statement.Try t = (Statement.Try) s;
            block(out, "try " + t.variable() + " in " + list(t.values()), t.body(), indent);
        }
    }

    private static void block(StringBuilder out, String head, List<Statement> body, String indent) {
        out.append(indent).append(head).append(" {");
        if (body.isEmpty()) {
            out.append(" }\n");
            return;
        }
        out.append('\n');
        for (Statement s : body) {
            statement(out, s, indent + INDENT);
        }
        out.append(indent).append("}\n");
    }

    private static String inline(Statement s) {
        if (s instanceof Statement.Step step) {
            return print(step) + step.tolerance().map(t -> " tolerance " + checks(t.checks())).orElse("");
        }
        if (s instanceof Statement.PipelineDecl p) {
            return "pipeline " + p.name() + inlineBlock(p.body());
        }
        if (s instanceof Statement.Repeat r) {
            return "repeat max " + r.max() + inlineBlock(r.body());
        }
        Statement.Try t = (Statement.Try) s;
        return "try " + t.variable() + " in " + list(t.values()) + inlineBlock(t.body());
    }

    private static String inlineBlock(List<Statement> body) {
        return body.isEmpty() ? " { }"
                : body.stream().map(RecipePrinter::inline).collect(Collectors.joining("  ", " { ", " }"));
    }

    private static String args(List<Arg> args) {
        return args.stream().map(RecipePrinter::print).collect(Collectors.joining(", ", "(", ")"));
    }

    private static String checks(List<Check> checks) {
        return checks.isEmpty() ? "{ }"
                : checks.stream().map(RecipePrinter::print).collect(Collectors.joining("; ", "{ ", " }"));
    }

    private static String list(List<Value> items) {
        return items.stream().map(RecipePrinter::print).collect(Collectors.joining(", ", "[", "]"));
    }

    /**
     * Selector precedence: operands of '+' and '-' are level 1, of '&' level 2, atoms level 3.
     * Right operands need one level more, since the operators associate to the left.
     */
    private static String value(Value v, int minLevel) {
        if (v instanceof Value.Num n) {
            return n.text();
        }
        if (v instanceof Value.Percent p) {
            return p.text();
        }
        if (v instanceof Value.Str s) {
            return quote(s.value());
        }
        if (v instanceof Value.Bool b) {
            return Boolean.toString(b.value());
        }
        if (v instanceof Value.Word w) {
            return w.text();
        }
        if (v instanceof Value.ListValue l) {
            return list(l.items());
        }
        if (v instanceof Selector.AllSel) {
            return "all";
        }
        if (v instanceof Selector.OpSel o) {
            return "op(" + quote(o.pattern()) + ")";
        }
        if (v instanceof Selector.NameSel n) {
            return "name(" + quote(n.glob()) + ")";
        }
        String text;
        int level;
        if (v instanceof Selector.Union u) {
            level = 1;
            text = value(u.left(), 1) + " + " + value(u.right(), 2);
        } else if (v instanceof Selector.Difference d) {
            level = 1;
            text = value(d.left(), 1) + " - " + value(d.right(), 2);
        } else {
            Selector.Intersection i = (Selector.Intersection) v;
            level = 2;
            text = value(i.left(), 2) + " & " + value(i.right(), 3);
        }
        return level < minLevel ? "(" + text + ")" : text;
    }

    /** A double-quoted string literal with {@code \" \\ \n \t \r} escaped. */
    public static String quote(String s) {
        StringBuilder out = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\t' -> out.append("\\t");
                case '\r' -> out.append("\\r");
                default -> out.append(c);
            }
        }
        return out.append('"').toString();
    }
}
