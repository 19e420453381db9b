package dev.onnxpress.cli;

import dev.onnxpress.error.InternalException;
import dev.onnxpress.error.OnnxpressException;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.ParseResult;

/**
 * Turns an exception that escaped a command into one line on stderr and an exit code. User errors carry
 * their own message and code; anything else is a bug: "internal error …; please report", exit 3, with
 * the stack trace only under {@code --debug} (the trace helps us, not the user).
 */
final class FailureReport implements IExecutionExceptionHandler {
    static final int INTERNAL = 3;

    @Override
    public int handleExecutionException(Exception ex, CommandLine cl, ParseResult parsed) {
        PrintWriter err = cl.getErr();
        int code;
        if (ex instanceof OnnxpressException e && !(e instanceof InternalException)) {
            err.println("onnxpress: " + oneLine(e.getMessage()));
            code = e.exitCode();
        } else {
            String what = ex instanceof InternalException ? oneLine(ex.getMessage())
                    : ex.getClass().getSimpleName() + (ex.getMessage() == null ? "" : ": " + oneLine(ex.getMessage()));
            err.println("onnxpress: internal error: " + what + "; please report"
                    + (debugRequested(parsed) ? "" : " (run with --debug for the stack trace)"));
            code = INTERNAL;
        }
        if (debugRequested(parsed)) {
            ex.printStackTrace(err);
        }
        err.flush();
        return code;
    }

    /** Messages are one line by contract; this keeps a stray newline from a library from breaking it. */
    static String oneLine(String message) {
        return message == null ? "(no message)"
                : dev.onnxpress.error.Shown.message(message.replaceAll("\\s*[\\r\\n]+\\s*", " ").trim());
    }

    private static boolean debugRequested(ParseResult parsed) {
        for (ParseResult p = parsed; p != null; p = p.subcommand()) {
            if (p.hasMatchedOption("--debug")) {
                return true;
            }
        }
        return false;
    }
}
