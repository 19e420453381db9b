package dev.onnxpress.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/**
 * The {@code onnxpress} command line. Commands are the classes in {@link #COMMANDS}: adding one is one
 * line there. Errors go through {@link FailureReport}: one line on stderr and the exit code of the error
 * (0 ok, 1 tolerance breach, 2 user error, 3 internal error).
 */
@Command(name = "onnxpress", scope = ScopeType.INHERIT, mixinStandardHelpOptions = true,
        versionProvider = Version.class, sortOptions = false,
        description = "ONNX in, ONNX out: a model compression compiler.",
        footer = {"", "Exit codes: 0 ok, 1 tolerance breach, 2 user error, 3 internal error."})
public final class Main implements Runnable {

    /** Every command, in the order help lists them. */
    static final List<Class<?>> COMMANDS = List.of(
            InspectCommand.class,
            CopyCommand.class,
            UnpackCommand.class,
            SensitivityCommand.class,
            TuneCommand.class,
            RunCommand.class, EvalCommand.class, CompareCommand.class, CheckCommand.class, PassesCommand.class,
            HelpCommand.class, VersionCommand.class);

    @Option(names = "--debug", scope = ScopeType.INHERIT,
            description = "On an internal error, print the stack trace.")
    boolean debug;

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "Missing command: give one of "
                + String.join(", ", spec.subcommands().keySet()));
    }

    public static void main(String[] args) {
        PrintWriter out = new PrintWriter(System.out, true);
        PrintWriter err = new PrintWriter(System.err, true);
        System.exit(execute(out, err, args));
    }

    /** Runs one command line, writing to the given streams; returns the exit code. */
    public static int execute(PrintWriter out, PrintWriter err, String... args) {
        dev.onnxpress.ort.OrtEnvironments.setNativeLogging(java.util.Arrays.asList(args).contains("--debug"));
        CommandLine cl = new CommandLine(new Main());
        for (Class<?> command : COMMANDS) {
            cl.addSubcommand(command);
        }
        HelpText.install(cl);
        // set after the subcommands exist: picocli hands these settings down to the commands present now
        cl.setOut(out);
        cl.setErr(err);
        cl.setExecutionExceptionHandler(new FailureReport());
        try {
            return cl.execute(args);
        } catch (OutOfMemoryError e) {
            err.println(dev.onnxpress.pipeline.HeapAdvice.outOfMemory());
            return 2;
        } catch (StackOverflowError e) {
            err.println("onnxpress: internal error: stack overflow; please report");
            return 3;
        } finally {
            out.flush();
            err.flush();
        }
    }

    /** Runs one command line in this process with stdout and stderr captured: for tests and embedding. */
    public static Execution execute(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = execute(new PrintWriter(out, true), new PrintWriter(err, true), args);
        return new Execution(code, out.toString(), err.toString());
    }

    /** What one in-process run printed, and its exit code. */
    public record Execution(int exitCode, String out, String err) {
    }
}
