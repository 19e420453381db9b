package dev.onnxpress.exec;

import dev.onnxpress.error.UserException;

/**
 * A runtime refused to load or run a model. {@link #runtimeMessage()} is the runtime's own first line
 * of error text, for reports.
 */
public final class RuntimeRejection extends UserException {
    private final String runtime;
    private final String runtimeMessage;

    public RuntimeRejection(String runtime, String stage, String runtimeMessage) {
        super(runtime + " cannot " + stage + " the model: " + runtimeMessage);
        this.runtime = runtime;
        this.runtimeMessage = runtimeMessage;
    }

    public String runtime() {
        return runtime;
    }

    public String runtimeMessage() {
        return runtimeMessage;
    }

    /** The first non-blank line of a native error message, trimmed. */
    public static String firstLine(String message) {
        if (message == null) {
            return "(no message)";
        }
        for (String line : message.split("\\R")) {
            if (!line.isBlank()) {
                return line.strip();
            }
        }
        return "(no message)";
    }
}
