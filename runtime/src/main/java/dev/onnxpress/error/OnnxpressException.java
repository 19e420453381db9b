package dev.onnxpress.error;

/**
 * The one root of every error onnxpress reports. Each carries the process exit code the CLI returns:
 * 1 a tolerance breach, 2 a user error (bad model, recipe, data or arguments), 3 an internal error.
 * Messages are one line naming the exact object at fault and, where possible, the fix.
 */
public abstract class OnnxpressException extends RuntimeException {
    protected OnnxpressException(String message, Throwable cause) {
        super(message, cause);
    }

    public abstract int exitCode();
}
