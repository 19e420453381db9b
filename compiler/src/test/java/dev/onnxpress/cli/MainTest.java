package dev.onnxpress.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.onnxpress.error.InternalException;
import dev.onnxpress.error.UserException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Command;

class MainTest {

    @Test
    void helpOnTheRootAndEveryCommand() {
        Main.Execution root = Main.execute("--help");
        assertThat(root.exitCode()).isZero();
        assertThat(root.out()).contains("Usage: onnxpress").contains("inspect").contains("copy");
        for (Class<?> c : Main.COMMANDS) {
            String name = c.getAnnotation(Command.class).name();
            Main.Execution e = Main.execute(name, "--help");
            assertThat(e.exitCode()).as(name).isZero();
            assertThat(e.out()).as(name).contains("Usage: onnxpress " + name);
            assertThat(e.err()).isEmpty();
        }
    }

    @Test
    void version() {
        Main.Execution e = Main.execute("--version");
        assertThat(e.exitCode()).isZero();
        assertThat(e.out()).startsWith("onnxpress 0.").doesNotContain("unknown");
    }

    @Test
    void usageErrorsExitTwoWithPicocliMessage() {
        Main.Execution unknown = Main.execute("inspect", "--frobnicate", "x.onnx");
        assertThat(unknown.exitCode()).isEqualTo(2);
        assertThat(unknown.err()).contains("Unknown option: '--frobnicate'");

        Main.Execution noCommand = Main.execute();
        assertThat(noCommand.exitCode()).isEqualTo(2);
        assertThat(noCommand.err()).contains("Missing command");

        Main.Execution missingArg = Main.execute("copy", "only-one.onnx");
        assertThat(missingArg.exitCode()).isEqualTo(2);
        assertThat(missingArg.err()).contains("Missing required parameter");
    }

    @Test
    void helpAndVersionCommands() {
        Main.Execution overview = Main.execute("help");
        assertThat(overview.exitCode()).isZero();
        assertThat(overview.out()).isEqualTo(Main.execute("--help").out());
        Main.Execution run = Main.execute("help", "run");
        assertThat(run.exitCode()).isZero();
        assertThat(run.out()).isEqualTo(Main.execute("run", "--help").out()).contains("dry run");
        Main.Execution version = Main.execute("version");
        assertThat(version.exitCode()).isZero();
        assertThat(version.out()).isEqualTo(Main.execute("--version").out());
        Main.Execution unknown = Main.execute("help", "rnn");
        assertThat(unknown.exitCode()).isEqualTo(2);
        assertThat(unknown.err()).contains("no command 'rnn'; did you mean 'run'?").hasLineCount(1);
    }

    @Test
    void commandSummariesAreWholeSentences() {
        String help = Main.execute("--help").out();
        String list = help.substring(help.indexOf("Commands:"), help.indexOf("Exit codes"));
        // every summary ends a sentence: no line of the list ends with a comma or a dangling word
        StringBuilder summary = new StringBuilder();
        for (String line : list.lines().skip(1).toList()) {
            if (line.isBlank()) {
                continue;
            }
            if (line.startsWith("  ") && !line.startsWith("   ") && summary.length() > 0) {
                assertThat(summary.toString().strip()).endsWith(".");
                summary.setLength(0);
            }
            summary.append(line).append(' ');
        }
        assertThat(summary.toString().strip()).endsWith(".");
        for (Class<?> c : Main.COMMANDS) {
            String name = c.getAnnotation(Command.class).name();
            String usage = Main.execute(name, "--help").out();
            assertThat(usage).as(name).doesNotContain("=<");
            String description = usage.substring(usage.indexOf('\n', usage.lastIndexOf("Usage:")));
            assertThat(description.lines().filter(l -> !l.isBlank()).findFirst().orElseThrow()).as(name)
                    .doesNotEndWith(",");
        }
    }

    @Test
    void usageErrorsAreOneLine() {
        Main.Execution unknown = Main.execute("inspect", "--frobnicate", "x.onnx");
        assertThat(unknown.err()).hasLineCount(1).contains("see 'onnxpress help inspect'");
        Main.Execution typo = Main.execute("versoin");
        assertThat(typo.exitCode()).isEqualTo(2);
        assertThat(typo.err()).hasLineCount(1).contains("did you mean version");
        assertThat(Main.execute("run").err()).hasLineCount(1);
    }

    @Test
    void numbersAreWrittenAsInRecipes() {
        assertThat(RecipeNumber.parse("1/255")).isEqualTo(1 / 255.0);
        assertThat(RecipeNumber.parse("0.5")).isEqualTo(0.5);
        assertThat(RecipeNumber.parse("1e-3")).isEqualTo(1e-3);
        assertThat(RecipeNumber.parse("50%")).isEqualTo(0.5);
        Main.Execution bad = Main.execute("sensitivity", "m.onnx", "--data", "d", "--scale", "1/0");
        assertThat(bad.exitCode()).isEqualTo(2);
        assertThat(bad.err()).hasLineCount(1).contains("divides by zero");
        Main.Execution word = Main.execute("sensitivity", "m.onnx", "--data", "d", "--scale", "tiny");
        assertThat(word.err()).hasLineCount(1).contains("write it as in a recipe");
    }

    /** Runs a throwing command through the same handler Main installs. */
    private static Main.Execution failWith(Exception ex, String... extraArgs) {
        @Command(name = "boom")
        class Boom implements Callable<Integer> {
            @CommandLine.Option(names = "--debug")
            boolean debug;

            @Override
            public Integer call() throws Exception {
                throw ex;
            }
        }
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = new CommandLine(new Boom());
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        cl.setExecutionExceptionHandler(new FailureReport());
        int code = cl.execute(extraArgs);
        return new Main.Execution(code, out.toString(), err.toString());
    }

    @Test
    void userErrorIsOneLineWithItsExitCode() {
        Main.Execution e = failWith(new UserException("model.onnx: node 'conv1' reads 'x'\nwhich is missing"));
        assertThat(e.exitCode()).isEqualTo(2);
        assertThat(e.err()).isEqualTo("onnxpress: model.onnx: node 'conv1' reads 'x' which is missing"
                + System.lineSeparator());
    }

    @Test
    void unexpectedExceptionIsAnInternalErrorWithTraceOnlyUnderDebug() {
        Main.Execution quiet = failWith(new IllegalStateException("index 3 out of range"));
        assertThat(quiet.exitCode()).isEqualTo(3);
        assertThat(quiet.err().lines()).hasSize(1);
        assertThat(quiet.err()).startsWith("onnxpress: internal error: IllegalStateException: index 3 out of range;"
                + " please report");

        Main.Execution debug = failWith(new IllegalStateException("index 3 out of range"), "--debug");
        assertThat(debug.exitCode()).isEqualTo(3);
        assertThat(debug.err()).contains("at dev.onnxpress.cli.MainTest");

        Main.Execution internal = failWith(new InternalException("pass fold_batchnorm broke the graph", null));
        assertThat(internal.exitCode()).isEqualTo(3);
        assertThat(internal.err()).startsWith("onnxpress: internal error: pass fold_batchnorm broke the graph;"
                + " please report");
    }

    @Test
    void debugIsAcceptedBeforeOrAfterTheCommand() {
        assertThat(Main.execute("--debug", "inspect", "/nonexistent/model.onnx").exitCode()).isEqualTo(2);
        Main.Execution after = Main.execute("inspect", "/nonexistent/model.onnx", "--debug");
        assertThat(after.exitCode()).isEqualTo(2);
        assertThat(after.err()).startsWith("onnxpress: /nonexistent/model.onnx: no such file");
    }
}
