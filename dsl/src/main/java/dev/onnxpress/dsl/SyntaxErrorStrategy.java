package dev.onnxpress.dsl;

import static dev.onnxpress.dsl.grammar.RecipeParser.*;

import dev.onnxpress.dsl.grammar.RecipeParser.ArgContext;
import dev.onnxpress.dsl.grammar.RecipeParser.CheckContext;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.antlr.v4.runtime.DefaultErrorStrategy;
import org.antlr.v4.runtime.FailedPredicateException;
import org.antlr.v4.runtime.Parser;
import org.antlr.v4.runtime.ParserRuleContext;
import org.antlr.v4.runtime.RecognitionException;
import org.antlr.v4.runtime.Token;
import org.antlr.v4.runtime.atn.ATNState;
import org.antlr.v4.runtime.misc.IntervalSet;

/**
 * Stops at the first syntax error and turns it into a sentence: "expected ')' or ',' after
 * argument but found 'calib'". ANTLR's own messages list token names ({@code expecting {IDENT,
 * VERSION, …}}); here the expected set is described by what the user would write, worded by
 * the rule in which the error happened. Never recovers, so only the first error is reported.
 */
final class SyntaxErrorStrategy extends DefaultErrorStrategy {

    private static final String HEADER_FORM = "the recipe must start with 'recipe \"name\" version N'";

    /** Words that only mean something in one place and otherwise are names. */
    private static final int[] SOFT_KEYWORDS = {VERSION, USING, ON, MAX, MAX_DROP, ORIGINAL, PREVIOUS};

    private static final int[] VALUE_STARTS = {NUMBER, PERCENT, MINUS, STRING, TRUE, FALSE, LBRACK, ALL, LPAREN, IDENT};

    /** Keywords that start statements, in the order error messages list them. */
    private static final int[] STATEMENT_KEYWORDS = {PIPELINE, REPEAT, TRY, DATA, VERIFY};

    /** Order in which the remaining tokens are listed: closers first, so "')' or ','". */
    private static final int[] PUNCTUATION_ORDER = {RPAREN, RBRACK, RBRACE, COMMA, SEMI, ASSIGN, LBRACE, LPAREN, LBRACK};

    private static final String[] KEYWORD_SPELLINGS = {
        "recipe", "version", "data", "verify", "using", "pipeline", "repeat", "max", "try", "in",
        "tolerance", "max_drop", "vs", "original", "previous", "true", "false", "all"
    };

    private final String fileName;

    SyntaxErrorStrategy(String fileName) {
        this.fileName = fileName;
    }

    @Override
    public void reportError(Parser recognizer, RecognitionException e) {
        Token offending = e.getOffendingToken() != null ? e.getOffendingToken() : recognizer.getCurrentToken();
        IntervalSet expected = e instanceof FailedPredicateException ? recognizer.getExpectedTokens() : e.getExpectedTokens();
        throw fail(recognizer, offending, expected);
    }

    @Override
    public void recover(Parser recognizer, RecognitionException e) {
        throw fail(recognizer, recognizer.getCurrentToken(), recognizer.getExpectedTokens());
    }

    @Override
    public Token recoverInline(Parser recognizer) {
        throw fail(recognizer, recognizer.getCurrentToken(), recognizer.getExpectedTokens());
    }

    @Override
    protected void reportUnwantedToken(Parser recognizer) {
        throw fail(recognizer, recognizer.getCurrentToken(), recognizer.getExpectedTokens());
    }

    @Override
    protected void reportMissingToken(Parser recognizer) {
        throw fail(recognizer, recognizer.getCurrentToken(), recognizer.getExpectedTokens());
    }

    /**
     * Like the default, but a token that cannot start or continue the current loop or optional
     * part is reported right here, where the expected set still describes what may come next.
     */
    @Override
    public void sync(Parser recognizer) {
        ATNState state = recognizer.getInterpreter().atn.states.get(recognizer.getState());
        int la = recognizer.getInputStream().LA(1);
        IntervalSet next = recognizer.getATN().nextTokens(state);
        if (next.contains(la) || next.contains(Token.EPSILON)) {
            return;
        }
        switch (state.getStateType()) {
            case ATNState.BLOCK_START, ATNState.STAR_BLOCK_START, ATNState.PLUS_BLOCK_START,
                    ATNState.STAR_LOOP_ENTRY, ATNState.PLUS_LOOP_BACK, ATNState.STAR_LOOP_BACK ->
                    throw fail(recognizer, recognizer.getCurrentToken(), recognizer.getExpectedTokens());
            default -> {
                // other states are checked by the next match or prediction
            }
        }
    }

    private RecipeSyntaxException fail(Parser recognizer, Token offending, IntervalSet expected) {
        return new RecipeSyntaxException(locate(offending), message(recognizer, offending, expected));
    }

    SourceLocation locate(Token token) {
        return new SourceLocation(fileName, Math.max(token.getLine(), 1), token.getCharPositionInLine() + 1);
    }

    private String message(Parser recognizer, Token offending, IntervalSet expected) {
        if (offending.getType() == UNTERMINATED_STRING) {
            return "unterminated string";
        }
        if (offending.getType() == BAD_CHAR) {
            return "unexpected character " + quoteChar(offending.getText());
        }
        ParserRuleContext ctx = recognizer.getContext();
        if (ctx.getRuleIndex() == RULE_ident && ctx.getParent() != null) {
            ctx = ctx.getParent(); // name the name by its role: a data set name, a pipeline name
        }
        Token prev = offending.getTokenIndex() > 0 ? recognizer.getInputStream().get(offending.getTokenIndex() - 1) : null;
        int rule = ctx.getRuleIndex();
        if (rule == RULE_header && offending.getTokenIndex() == 0
                || prev == null && (rule == RULE_recipeFile || rule == RULE_header)) {
            return HEADER_FORM;
        }
        String found = " but found " + describe(offending);
        if (expected.contains(COMMA) && expected.contains(RPAREN) && expected.size() == 2) {
            return "expected ')' or ',' after argument" + found;
        }
        if (expected.contains(COMMA) && expected.contains(RBRACK) && expected.size() == 2) {
            return "expected ']' or ',' after list item" + found;
        }
        if ((rule == RULE_recipeFile || rule == RULE_block || rule == RULE_stepList) && expected.contains(IDENT)) {
            return statementMessage(rule, prev, offending, found);
        }
        if (rule == RULE_setExpr && prev != null && prev.getType() == LPAREN && expected.contains(STRING)
                && expected.size() == 1) {
            Token function = recognizer.getInputStream().get(prev.getTokenIndex() - 1);
            return "expected a quoted pattern like \"Conv\" after '" + function.getText() + "('" + found;
        }
        if (rule == RULE_header && expected.contains(STRING) && expected.size() == 1) {
            return "expected the recipe name in double quotes after 'recipe'" + found;
        }
        if (rule == RULE_header && expected.contains(NUMBER) && expected.size() == 1) {
            return "expected a version number after 'version'" + found;
        }
        if (rule == RULE_checkBlock && expected.contains(RBRACE)) {
            return "expected a check like 'cosine >= 0.999' or '}'" + found;
        }
        String what = describe(expected, nouns(ctx, prev));
        return "expected " + what + after(rule, prev) + found;
    }

    private static String statementMessage(int rule, Token prev, Token offending, String found) {
        if (offending.getType() == LBRACE && prev != null && prev.getType() == IDENT) {
            String guess = closestKeyword(prev.getText());
            return "unexpected '{' after '" + prev.getText() + "'"
                    + (guess != null ? " (did you mean '" + guess + "'?)" : "")
                    + "; a block follows 'pipeline NAME', 'repeat max N', 'try X in [...]', 'verify' or 'tolerance'";
        }
        return switch (rule) {
            case RULE_block -> "expected a step, 'repeat', 'try' or '}'";
            case RULE_stepList -> "expected a step, 'repeat', 'try' or ','";
            default -> "expected a step, 'pipeline', 'repeat', 'try', 'data' or 'verify'";
        } + found;
    }

    /** What the current rule calls a name and a value, for "expected a data set name after 'data'". */
    private record Nouns(String name, String value) {
    }

    private static Nouns nouns(ParserRuleContext ctx, Token prev) {
        int prevType = prev == null ? Token.INVALID_TYPE : prev.getType();
        return switch (ctx.getRuleIndex()) {
            case RULE_dataDecl -> new Nouns(prevType == ASSIGN ? "a data kind like idx(...)" : "a data set name", "a value");
            case RULE_verifyDecl -> new Nouns("a data set name", "a value");
            case RULE_pipelineDecl -> new Nouns("a pipeline name", "a value");
            case RULE_tryStmt -> new Nouns("a variable name", "a value");
            case RULE_check -> new Nouns("a metric name", "a number");
            case RULE_args -> new Nouns("an argument", "an argument");
            case RULE_value -> ctx.getParent() instanceof CheckContext ? new Nouns("a number", "a number")
                    : ctx.getParent() instanceof ArgContext && prevType == COMMA ? new Nouns("an argument", "an argument")
                    : new Nouns("a value", "a value");
            case RULE_setExpr -> prevType == PLUS || prevType == MINUS || prevType == AMP || prevType == LPAREN
                    ? new Nouns("a selector", "a selector") : new Nouns("a value", "a value");
            default -> new Nouns("a name", "a value");
        };
    }

    private static String after(int rule, Token prev) {
        if (prev == null) {
            return "";
        }
        if (prev.getType() == STRING) {
            return rule == RULE_header ? " after the recipe name" : " after the string";
        }
        return " after '" + prev.getText() + "'";
    }

    private static String describe(IntervalSet expected, Nouns nouns) {
        IntervalSet rest = new IntervalSet(expected);
        List<String> items = new ArrayList<>();
        if (rest.contains(NUMBER) && rest.contains(STRING)) {
            items.add(nouns.value());
            removeAll(rest, VALUE_STARTS);
            removeAll(rest, SOFT_KEYWORDS);
        }
        if (rest.contains(IDENT)) {
            if (rest.contains(ALL)) { // a selector operand: all, (…), op(…), name(…) or a word
                rest.remove(ALL);
                rest.remove(LPAREN);
            }
            items.add(nouns.name());
            rest.remove(IDENT);
            removeAll(rest, SOFT_KEYWORDS);
        }
        if (rest.contains(LE) && rest.contains(GE)) {
            items.add("a comparison (<=, >=, <, >)");
            removeAll(rest, new int[] {LE, GE, LT, GT, VS});
        }
        if (rest.contains(NUMBER)) {
            items.add("a number");
            rest.remove(NUMBER);
        }
        if (rest.contains(PERCENT)) {
            items.add("a percentage");
            rest.remove(PERCENT);
        }
        if (rest.contains(STRING)) {
            items.add("a string");
            rest.remove(STRING);
        }
        for (int type : STATEMENT_KEYWORDS) {
            if (rest.contains(type)) {
                items.add("'" + keyword(type) + "'");
                rest.remove(type);
            }
        }
        for (int type : PUNCTUATION_ORDER) {
            if (rest.contains(type)) {
                items.add(literal(type));
                rest.remove(type);
            }
        }
        boolean end = rest.contains(Token.EOF);
        rest.remove(Token.EOF);
        for (int type : rest.toList()) {
            if (type > 0) {
                items.add(literal(type));
            }
        }
        if (end) {
            items.add("end of input");
        }
        return joinOr(items);
    }

    private static String keyword(int type) {
        return literal(type).replace("'", "");
    }

    private static String literal(int type) {
        String literal = VOCABULARY.getLiteralName(type);
        return literal != null ? literal : VOCABULARY.getDisplayName(type).toLowerCase(Locale.ROOT);
    }

    private static void removeAll(IntervalSet set, int[] types) {
        for (int type : types) {
            set.remove(type);
        }
    }

    static String joinOr(List<String> items) {
        if (items.isEmpty()) {
            return "something else";
        }
        if (items.size() == 1) {
            return items.get(0);
        }
        return String.join(", ", items.subList(0, items.size() - 1)) + " or " + items.get(items.size() - 1);
    }

    /** How the token that stopped the parser is named in "but found …". */
    static String describe(Token token) {
        return switch (token.getType()) {
            case Token.EOF -> "end of input";
            case STRING -> {
                String text = token.getText();
                yield text.length() > 30 ? text.substring(0, 26) + "...\"" : text;
            }
            default -> {
                String text = token.getText();
                yield "'" + (text.length() > 30 ? text.substring(0, 27) + "..." : text) + "'";
            }
        };
    }

    private static String quoteChar(String text) {
        return text.equals("'") ? "\"'\"" : "'" + text + "'";
    }

    /** A keyword one or two edits away from {@code word}, for "did you mean 'tolerance'?". */
    static String closestKeyword(String word) {
        String best = null;
        int bestDistance = 3;
        for (String keyword : KEYWORD_SPELLINGS) {
            int d = EditDistance.between(word, keyword);
            if (d < bestDistance && d < keyword.length() / 2 + 1) {
                best = keyword;
                bestDistance = d;
            }
        }
        return best;
    }
}
