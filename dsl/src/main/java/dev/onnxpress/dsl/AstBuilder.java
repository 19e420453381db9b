package dev.onnxpress.dsl;

import dev.onnxpress.dsl.grammar.RecipeParser.AllSelectorContext;
import dev.onnxpress.dsl.grammar.RecipeParser.ArgContext;
import dev.onnxpress.dsl.grammar.RecipeParser.ArgsContext;
import dev.onnxpress.dsl.grammar.RecipeParser.BlockContext;
import dev.onnxpress.dsl.grammar.RecipeParser.BoolValueContext;
import dev.onnxpress.dsl.grammar.RecipeParser.CheckBlockContext;
import dev.onnxpress.dsl.grammar.RecipeParser.CheckContext;
import dev.onnxpress.dsl.grammar.RecipeParser.DataDeclContext;
import dev.onnxpress.dsl.grammar.RecipeParser.HeaderContext;
import dev.onnxpress.dsl.grammar.RecipeParser.IntersectionContext;
import dev.onnxpress.dsl.grammar.RecipeParser.ListContext;
import dev.onnxpress.dsl.grammar.RecipeParser.ListValueContext;
import dev.onnxpress.dsl.grammar.RecipeParser.NumericValueContext;
import dev.onnxpress.dsl.grammar.RecipeParser.ParenthesizedContext;
import dev.onnxpress.dsl.grammar.RecipeParser.RecipeFileContext;
import dev.onnxpress.dsl.grammar.RecipeParser.RefContext;
import dev.onnxpress.dsl.grammar.RecipeParser.SetExprContext;
import dev.onnxpress.dsl.grammar.RecipeParser.SetValueContext;
import dev.onnxpress.dsl.grammar.RecipeParser.StatementContext;
import dev.onnxpress.dsl.grammar.RecipeParser.StepContext;
import dev.onnxpress.dsl.grammar.RecipeParser.StepListContext;
import dev.onnxpress.dsl.grammar.RecipeParser.StringValueContext;
import dev.onnxpress.dsl.grammar.RecipeParser.UnionOrDifferenceContext;
import dev.onnxpress.dsl.grammar.RecipeParser.ValueContext;
import dev.onnxpress.dsl.grammar.RecipeParser.VerifyDeclContext;
import dev.onnxpress.dsl.grammar.RecipeParser.WordOrCallContext;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.antlr.v4.runtime.ParserRuleContext;
import org.antlr.v4.runtime.Token;
import org.antlr.v4.runtime.tree.ParseTree;
import org.antlr.v4.runtime.tree.TerminalNode;

/**
 * Parse tree → AST. Also reports what the grammar deliberately accepts too loosely, so that
 * those errors read better than a token-level complaint would: a non-integer version, a
 * declaration inside a block, {@code 3=x} as an argument, an unknown selector function.
 */
final class AstBuilder {

    /** Where statements appear; declarations are only allowed at a recipe's top level. */
    private enum Where { TOP, BLOCK, STEP_LIST }

    private final String fileName;

    AstBuilder(String fileName) {
        this.fileName = fileName;
    }

    Recipe recipe(RecipeFileContext ctx) {
        HeaderContext header = ctx.header();
        String name = string(header.STRING().getSymbol());
        int version = wholeNumber(header.NUMBER().getSymbol(), "version", 0);
        List<DataDecl> data = new ArrayList<>();
        Map<String, DataDecl> dataByName = new HashMap<>();
        Map<String, Statement.PipelineDecl> pipelinesByName = new HashMap<>();
        Optional<VerifyBlock> verify = Optional.empty();
        List<Statement> statements = new ArrayList<>();
        for (StatementContext s : ctx.statement()) {
            if (s.dataDecl() != null) {
                DataDecl decl = dataDecl(s.dataDecl());
                DataDecl earlier = dataByName.putIfAbsent(decl.name(), decl);
                if (earlier != null) {
                    throw error(decl.location(), "data set '" + decl.name() + "' is already declared at line "
                            + earlier.location().line());
                }
                data.add(decl);
            } else if (s.verifyDecl() != null) {
                VerifyBlock block = verify(s.verifyDecl());
                if (verify.isPresent()) {
                    throw error(block.location(), "only one verify block is allowed; the first is at line "
                            + verify.get().location().line());
                }
                verify = Optional.of(block);
            } else {
                statement(s, Where.TOP).ifPresent(st -> {
                    if (st instanceof Statement.PipelineDecl p) {
                        Statement.PipelineDecl earlier = pipelinesByName.putIfAbsent(p.name(), p);
                        if (earlier != null) {
                            throw error(p.location(), "pipeline '" + p.name() + "' is already declared at line "
                                    + earlier.location().line());
                        }
                    }
                    statements.add(st);
                });
            }
        }
        return new Recipe(name, version, data, verify, statements, loc(header.getStart()));
    }

    List<Statement> stepList(StepListContext ctx) {
        List<Statement> out = new ArrayList<>();
        for (StatementContext s : ctx.statement()) {
            statement(s, Where.STEP_LIST).ifPresent(out::add);
        }
        return out;
    }

    private Optional<Statement> statement(StatementContext s, Where where) {
        if (s.SEMI() != null) {
            return Optional.empty();
        }
        if (s.dataDecl() != null) {
            throw notHere(s, "'data'", where);
        }
        if (s.verifyDecl() != null) {
            throw notHere(s, "'verify'", where);
        }
        if (s.pipelineDecl() != null) {
            if (where != Where.TOP) {
                throw notHere(s, "a pipeline", where);
            }
            var p = s.pipelineDecl();
            return Optional.of(new Statement.PipelineDecl(ident(p.ident()), block(p.block()), loc(p.getStart())));
        }
        if (s.repeatStmt() != null) {
            var r = s.repeatStmt();
            int max = wholeNumber(r.NUMBER().getSymbol(), "max", 1);
            return Optional.of(new Statement.Repeat(max, block(r.block()), loc(r.getStart())));
        }
        if (s.tryStmt() != null) {
            var t = s.tryStmt();
            return Optional.of(new Statement.Try(ident(t.ident()), list(t.list()).items(), block(t.block()),
                    loc(t.getStart())));
        }
        return Optional.of(step(s.step()));
    }

    private RecipeSyntaxException notHere(StatementContext s, String what, Where where) {
        String rule = where == Where.STEP_LIST
                ? what + " cannot be used in a step list; write a recipe file"
                : what + " is only allowed at the top level of a recipe, not inside a block";
        return error(loc(s.getStart()), rule);
    }

    private List<Statement> block(BlockContext ctx) {
        List<Statement> out = new ArrayList<>();
        for (StatementContext s : ctx.statement()) {
            statement(s, Where.BLOCK).ifPresent(out::add);
        }
        return out;
    }

    private Statement.Step step(StepContext ctx) {
        List<Arg> args = ctx.args() == null ? List.of() : args(ctx.args());
        Optional<Tolerance> tolerance = ctx.tolerance() == null ? Optional.empty()
                : Optional.of(new Tolerance(checks(ctx.tolerance().checkBlock()), loc(ctx.tolerance().getStart())));
        return new Statement.Step(ident(ctx.ident()), args, tolerance, loc(ctx.getStart()));
    }

    private DataDecl dataDecl(DataDeclContext ctx) {
        return new DataDecl(ident(ctx.ident(0)), ident(ctx.ident(1)), args(ctx.args()), loc(ctx.getStart()));
    }

    private VerifyBlock verify(VerifyDeclContext ctx) {
        int next = 0;
        Optional<String> using = Optional.empty();
        if (ctx.USING() != null) {
            using = Optional.of(ident(ctx.ident(next++)));
        }
        List<String> runtimes = new ArrayList<>();
        for (int i = next; i < ctx.ident().size(); i++) {
            runtimes.add(ident(ctx.ident(i)));
        }
        return new VerifyBlock(using, runtimes, checks(ctx.checkBlock()), loc(ctx.getStart()));
    }

    private List<Arg> args(ArgsContext ctx) {
        List<Arg> out = new ArrayList<>();
        for (ArgContext a : ctx.arg()) {
            Value first = value(a.value(0));
            if (a.ASSIGN() == null) {
                out.add(new Arg(Optional.empty(), first, first.location()));
                continue;
            }
            if (!(first instanceof Value.Word word)) {
                throw error(first.location(), "expected a parameter name before '=' but found "
                        + SyntaxErrorStrategy.describe(a.value(0).getStart()));
            }
            out.add(new Arg(Optional.of(word.text()), value(a.value(1)), word.location()));
        }
        return out;
    }

    private List<Check> checks(CheckBlockContext ctx) {
        List<Check> out = new ArrayList<>();
        for (CheckContext c : ctx.check()) {
            out.add(check(c));
        }
        return out;
    }

    private Check check(CheckContext ctx) {
        String metric = ident(ctx.ident());
        List<RefContext> refs = ctx.ref();
        if (refs.size() > 1) {
            throw error(loc(refs.get(1).getStart()), "'vs' is given twice for '" + metric + "'");
        }
        Check.Ref ref = refs.isEmpty() || refs.get(0).ORIGINAL() != null ? Check.Ref.ORIGINAL : Check.Ref.PREVIOUS;
        Value bound = value(ctx.value());
        SourceLocation where = loc(ctx.getStart());
        if (ctx.MAX_DROP() != null) {
            if (!metric.equals("accuracy")) {
                throw error(where, "'max_drop' applies only to accuracy, as in 'accuracy max_drop 1%'; found '"
                        + metric + "'");
            }
            return new Check.AccuracyCheck(bound, ref, where);
        }
        Check.Comparison op = switch (ctx.comparison().getStart().getText()) {
            case "<=" -> Check.Comparison.LE;
            case ">=" -> Check.Comparison.GE;
            case "<" -> Check.Comparison.LT;
            default -> Check.Comparison.GT;
        };
        return new Check.MetricCheck(metric, op, bound, ref, where);
    }

    private Value value(ValueContext ctx) {
        SourceLocation where = loc(ctx.getStart());
        if (ctx instanceof NumericValueContext n) {
            return numeric(n, where);
        }
        if (ctx instanceof StringValueContext s) {
            return new Value.Str(string(s.STRING().getSymbol()), where);
        }
        if (ctx instanceof BoolValueContext b) {
            return new Value.Bool(b.TRUE() != null, where);
        }
        if (ctx instanceof ListValueContext l) {
            return list(l.list());
        }
        return setExpr(((SetValueContext) ctx).setExpr());
    }

    private Value numeric(NumericValueContext ctx, SourceLocation where) {
        StringBuilder text = new StringBuilder();
        for (ParseTree child : ctx.children) {
            text.append(child.getText());
        }
        if (ctx.PERCENT() != null) {
            String digits = ctx.PERCENT().getText();
            double percent = Double.parseDouble(digits.substring(0, digits.length() - 1));
            return new Value.Percent(ctx.MINUS().isEmpty() ? percent : -percent, text.toString(), where);
        }
        // children: ['-'] NUMBER ['/' ['-'] NUMBER]
        double numerator = Double.NaN;
        double denominator = 1;
        boolean negative = false;
        boolean afterSlash = false;
        for (ParseTree child : ctx.children) {
            Token t = ((TerminalNode) child).getSymbol();
            switch (t.getText()) {
                case "-" -> negative = !negative;
                case "/" -> afterSlash = true;
                default -> {
                    double v = Double.parseDouble(t.getText());
                    if (afterSlash) {
                        denominator = negative ? -v : v;
                    } else {
                        numerator = negative ? -v : v;
                    }
                    negative = false;
                }
            }
        }
        if (denominator == 0) {
            throw error(where, "division by zero in '" + text + "'");
        }
        double value = numerator / denominator;
        if (!Double.isFinite(value)) {
            throw error(where, "number '" + text + "' is too large");
        }
        return new Value.Num(value, text.toString(), where);
    }

    private Value.ListValue list(ListContext ctx) {
        List<Value> items = new ArrayList<>();
        for (ValueContext v : ctx.value()) {
            items.add(value(v));
        }
        return new Value.ListValue(items, loc(ctx.getStart()));
    }

    private SetOperand setExpr(SetExprContext ctx) {
        SourceLocation where = loc(ctx.getStart());
        if (ctx instanceof AllSelectorContext) {
            return new Selector.AllSel(where);
        }
        if (ctx instanceof ParenthesizedContext p) {
            return setExpr(p.setExpr());
        }
        if (ctx instanceof IntersectionContext i) {
            return new Selector.Intersection(setExpr(i.setExpr(0)), setExpr(i.setExpr(1)), where);
        }
        if (ctx instanceof UnionOrDifferenceContext u) {
            SetOperand left = setExpr(u.setExpr(0));
            SetOperand right = setExpr(u.setExpr(1));
            return u.PLUS() != null ? new Selector.Union(left, right, where) : new Selector.Difference(left, right, where);
        }
        WordOrCallContext w = (WordOrCallContext) ctx;
        String name = ident(w.ident());
        if (w.STRING() == null) {
            return new Value.Word(name, where);
        }
        String pattern = string(w.STRING().getSymbol());
        return switch (name) {
            case "op" -> new Selector.OpSel(pattern, where);
            case "name" -> new Selector.NameSel(pattern, where);
            default -> throw error(where, "unknown selector '" + name + "'; a selector is all, op(\"…\") or name(\"…\")");
        };
    }

    private static String ident(ParserRuleContext ctx) {
        return ctx.getText();
    }

    private int wholeNumber(Token token, String after, int min) {
        String text = token.getText();
        double v = Double.parseDouble(text);
        if (v != Math.rint(v) || v < min || v > Integer.MAX_VALUE) {
            String bound = min > 0 ? "a whole number of at least " + min : "a whole number";
            throw error(loc(token), "expected " + bound + " after '" + after + "' but found '" + text + "'");
        }
        return (int) v;
    }

    /** Strips the quotes and resolves {@code \" \\ \n \t \r}. */
    private String string(Token token) {
        String text = token.getText();
        StringBuilder out = new StringBuilder(text.length());
        for (int i = 1; i < text.length() - 1; i++) {
            char c = text.charAt(i);
            if (c != '\\') {
                out.append(c);
                continue;
            }
            char e = text.charAt(++i);
            switch (e) {
                case '"', '\\' -> out.append(e);
                case 'n' -> out.append('\n');
                case 't' -> out.append('\t');
                case 'r' -> out.append('\r');
                default -> throw error(
                        new SourceLocation(fileName, token.getLine(), token.getCharPositionInLine() + i),
                        "unknown escape '\\" + e + "' in string; use \\\" \\\\ \\n \\t or \\r");
            }
        }
        return out.toString();
    }

    private SourceLocation loc(Token token) {
        return new SourceLocation(fileName, Math.max(token.getLine(), 1), token.getCharPositionInLine() + 1);
    }

    private static RecipeSyntaxException error(SourceLocation where, String message) {
        return new RecipeSyntaxException(where, message);
    }
}
