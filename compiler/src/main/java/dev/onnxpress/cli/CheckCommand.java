package dev.onnxpress.cli;

import dev.onnxpress.bind.Binder;
import dev.onnxpress.bind.Plan;
import dev.onnxpress.bind.PlanPrinter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code onnxpress check RECIPE}: parse and bind, touch no model, print the plan. Exit 0 or 2. */
@Command(name = "check", sortOptions = false,
        description = {"Parse and bind a recipe without running it: unknown passes, parameters, data sets,",
                "types, ranges and ordering problems are reported at file:line:col. Prints the bound plan."})
final class CheckCommand implements Callable<Integer> {
    @Parameters(index = "0", arity = "0..1", paramLabel = "RECIPE", description = "The recipe file.")
    Path recipe;

    @Option(names = {"-p", "--passes"}, paramLabel = "STEPS", description = "Check a one-line step list instead.")
    String steps;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        RecipeOrSteps.requireExactlyOne(recipe, steps, spec);
        Plan plan = recipe != null ? new Binder().bindFile(recipe, recipe.toString())
                : new Binder().bindSteps(steps, "command line");
        spec.commandLine().getOut().print(PlanPrinter.print(plan));
        return 0;
    }
}
