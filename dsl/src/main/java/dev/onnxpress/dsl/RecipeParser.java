package dev.onnxpress.dsl;

import dev.onnxpress.dsl.grammar.RecipeLexer;
import java.util.List;
import java.util.Objects;
import org.antlr.v4.runtime.CharStreams;
import org.antlr.v4.runtime.CommonTokenStream;
import org.antlr.v4.runtime.atn.PredictionMode;

/**
 * Reads recipes. Every problem becomes a {@link RecipeSyntaxException} for the first error, with
 * a {@code file:line:col: …} message; ANTLR itself prints nothing (its console listeners are
 * removed and the lexer never fails: stray characters reach the parser as error tokens).
 */
public final class RecipeParser {

    private RecipeParser() {
    }

    /** A whole recipe file: header, data, verify, pipelines and steps. */
    public static Recipe parse(String text, String fileName) {
        var parser = parser(text, fileName);
        try {
            return new AstBuilder(fileName).recipe(parser.recipeFile());
        } catch (StackOverflowError e) {
            throw tooDeep(fileName);
        }
    }

    /**
     * The CLI's one-line form, {@code strip_training_nodes, fold_batchnorm(x=1), repeat max 2 {…}}:
     * steps separated by commas, semicolons or spaces; a bare name is a step without arguments.
     */
    public static List<Statement> parseSteps(String text, String fileName) {
        var parser = parser(text, fileName);
        try {
            return new AstBuilder(fileName).stepList(parser.stepList());
        } catch (StackOverflowError e) {
            throw tooDeep(fileName);
        }
    }

    /** A backstop: {@link RecipeLimits} keeps nesting far below what the stack holds. */
    private static RecipeSyntaxException tooDeep(String fileName) {
        return new RecipeSyntaxException(new SourceLocation(fileName, 1, 1), "the recipe nests too deeply to read"
                + " (limits: " + RecipeLimits.MAX_NESTING + " levels of braces, brackets and parentheses, "
                + RecipeLimits.MAX_SELECTOR_OPERATORS + " operators in a selector)");
    }

    private static dev.onnxpress.dsl.grammar.RecipeParser parser(String text, String fileName) {
        Objects.requireNonNull(text, "text");
        Objects.requireNonNull(fileName, "fileName");
        if (text.length() > RecipeLimits.MAX_CHARS) {
            RecipeLimits.check(text, List.of(), fileName);
        }
        var lexer = new RecipeLexer(CharStreams.fromString(text, fileName));
        lexer.removeErrorListeners();
        CommonTokenStream tokens = new CommonTokenStream(lexer);
        tokens.fill();
        RecipeLimits.check(text, tokens.getTokens(), fileName);
        tokens.seek(0);
        var parser = new dev.onnxpress.dsl.grammar.RecipeParser(tokens);
        parser.removeErrorListeners();
        parser.setErrorHandler(new SyntaxErrorStrategy(fileName));
        // The grammar is LL(1) almost everywhere; full LL keeps the rest exact.
        parser.getInterpreter().setPredictionMode(PredictionMode.LL);
        return parser;
    }
}
