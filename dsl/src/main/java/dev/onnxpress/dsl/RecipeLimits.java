package dev.onnxpress.dsl;

import dev.onnxpress.dsl.grammar.RecipeLexer;
import java.util.List;
import java.util.Locale;
import org.antlr.v4.runtime.Token;

/**
 * Limits on what a recipe may hold, checked on the tokens before anything parses them: the parser, the AST
 * builder and the binder recurse into nested blocks, lists, parentheses and selector expressions, and a
 * hostile recipe must get a clear message naming the limit rather than exhaust the stack or the heap.
 * Real recipes stay far below every limit.
 */
public final class RecipeLimits {
    /** Characters in one recipe (file or -p text). */
    public static final int MAX_CHARS = 1_000_000;
    /** Open braces, brackets and parentheses at one point. */
    public static final int MAX_NESTING = 50;
    /** Set operators (+, -, &) in one selector expression. */
    public static final int MAX_SELECTOR_OPERATORS = 200;
    /** Characters in one name or string. */
    public static final int MAX_TOKEN_CHARS = 4096;
    /** Data declarations in one recipe. */
    public static final int MAX_DATA_DECLARATIONS = 1000;
    /** Pipeline declarations in one recipe. */
    public static final int MAX_PIPELINES = 1000;
    /** Pipelines using pipelines, one inside the next. */
    public static final int MAX_PIPELINE_DEPTH = 50;
    /** Rounds one repeat may ask for. */
    public static final int MAX_REPEAT = 100;

    private RecipeLimits() {
    }

    /** Throws a {@link RecipeSyntaxException} at the first token that breaks a limit. */
    static void check(String text, List<Token> tokens, String file) {
        if (text.length() > MAX_CHARS) {
            throw new RecipeSyntaxException(new SourceLocation(file, 1, 1), "the recipe is "
                    + String.format(Locale.ROOT, "%,d", text.length()) + " characters; the limit is "
                    + String.format(Locale.ROOT, "%,d", MAX_CHARS));
        }
        int depth = 0;
        int operators = 0;
        int data = 0;
        int pipelines = 0;
        int previous = -1;
        for (Token t : tokens) {
            int type = t.getType();
            switch (type) {
                case RecipeLexer.LPAREN, RecipeLexer.LBRACK, RecipeLexer.LBRACE -> {
                    if (++depth > MAX_NESTING) {
                        throw error(t, file, "nesting deeper than " + MAX_NESTING + " levels of braces, brackets"
                                + " and parentheses (the limit)");
                    }
                }
                case RecipeLexer.RPAREN, RecipeLexer.RBRACK, RecipeLexer.RBRACE -> depth = Math.max(0, depth - 1);
                default -> {
                }
            }
            switch (type) {
                case RecipeLexer.PLUS, RecipeLexer.AMP -> operators++;
                case RecipeLexer.MINUS -> {
                    if (previous == RecipeLexer.IDENT || previous == RecipeLexer.RPAREN || previous == RecipeLexer.ALL) {
                        operators++;
                    }
                }
                case RecipeLexer.COMMA, RecipeLexer.SEMI, RecipeLexer.ASSIGN, RecipeLexer.LBRACE, RecipeLexer.RBRACE,
                        RecipeLexer.LBRACK, RecipeLexer.RBRACK -> operators = 0;
                case RecipeLexer.DATA -> data++;
                case RecipeLexer.PIPELINE -> pipelines++;
                default -> {
                }
            }
            if (operators > MAX_SELECTOR_OPERATORS) {
                throw error(t, file, "a selector with more than " + MAX_SELECTOR_OPERATORS + " set operators"
                        + " (+, -, &; the limit); name fewer nodes or use a glob");
            }
            if (data > MAX_DATA_DECLARATIONS) {
                throw error(t, file, "more than " + MAX_DATA_DECLARATIONS + " data declarations (the limit)");
            }
            if (pipelines > MAX_PIPELINES) {
                throw error(t, file, "more than " + MAX_PIPELINES + " pipeline declarations (the limit)");
            }
            if (t.getText() != null && t.getText().length() > MAX_TOKEN_CHARS) {
                throw error(t, file, (type == RecipeLexer.STRING || type == RecipeLexer.UNTERMINATED_STRING
                        ? "a string" : "a name") + " of " + String.format(Locale.ROOT, "%,d", t.getText().length())
                        + " characters; the limit is " + MAX_TOKEN_CHARS);
            }
            previous = type;
        }
    }

    private static RecipeSyntaxException error(Token t, String file, String reason) {
        return new RecipeSyntaxException(new SourceLocation(file, t.getLine(), t.getCharPositionInLine() + 1), reason);
    }
}
