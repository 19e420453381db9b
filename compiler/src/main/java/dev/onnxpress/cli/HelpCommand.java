package dev.onnxpress.cli;

import dev.onnxpress.bind.DidYouMean;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code onnxpress help [COMMAND]}: the overview, or one command's options. */
@Command(name = "help", description = "Show the list of commands, or one command's options and arguments.")
final class HelpCommand implements Callable<Integer> {
    @Parameters(index = "0", arity = "0..1", paramLabel = "COMMAND", description = "A command, e.g. run.")
    String command;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        CommandLine root = spec.root().commandLine();
        if (command == null) {
            root.usage(spec.commandLine().getOut());
            return 0;
        }
        CommandLine sub = root.getSubcommands().get(command);
        if (sub == null) {
            throw new ParameterException(spec.commandLine(), "no command '" + command + "'"
                    + DidYouMean.suffix(command, root.getSubcommands().keySet()) + "; the commands are "
                    + String.join(", ", root.getSubcommands().keySet()));
        }
        sub.usage(spec.commandLine().getOut());
        return 0;
    }
}
