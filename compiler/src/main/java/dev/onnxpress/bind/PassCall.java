package dev.onnxpress.bind;

import dev.onnxpress.dsl.Recipe;
import dev.onnxpress.dsl.RecipeParser;
import dev.onnxpress.dsl.Statement;
import java.util.List;
import java.util.Map;

/**
 * The options of one pass call written as a recipe writes it ({@code criterion=l1, ratio=30%, scope=layer}),
 * bound exactly as the recipe binder binds a step: the same names, defaults, ranges, enum words and
 * messages. For commands that hand options to a pass without a recipe ({@code sensitivity}).
 */
public final class PassCall {
    private PassCall() {
    }

    /**
     * Binds {@code args} (the text between the call's parentheses) to {@code type}; {@code dataSets} are
     * the data names the call may refer to. Throws {@link BindException} (or a syntax error) as a recipe would.
     */
    public static <O extends Record> O options(Class<O> type, String passId, String args, List<String> dataSets) {
        Recipe r = RecipeParser.parse("recipe \"" + passId + "\" version 1\n" + passId + "(" + args + ")\n", passId);
        if (r.statements().size() != 1 || !(r.statements().get(0) instanceof Statement.Step step)) {
            throw new dev.onnxpress.error.UserException(passId + ": not one call's options: " + args);
        }
        return OptionsBinder.bind(type, passId, step.args(), step.location(),
                new Scope(Map.of(), dataSets, Map.of(), false)).options();
    }
}
