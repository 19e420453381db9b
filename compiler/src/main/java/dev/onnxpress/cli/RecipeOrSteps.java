package dev.onnxpress.cli;

import java.nio.file.Path;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;

/** The rule of {@code run} and {@code check}: a RECIPE file or a one-line {@code -p} step list, exactly one. */
final class RecipeOrSteps {
    private RecipeOrSteps() {
    }

    static void requireExactlyOne(Path recipe, String steps, CommandSpec spec) {
        if ((recipe == null) == (steps == null)) {
            throw new ParameterException(spec.commandLine(), recipe == null
                    ? "Missing recipe: give a RECIPE file or -p 'steps'" : "Give a RECIPE file or -p, not both");
        }
    }
}
