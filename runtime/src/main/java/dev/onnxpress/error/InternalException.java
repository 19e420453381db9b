package dev.onnxpress.error;

/** A bug in onnxpress. Exit code 3; the CLI prints the trace only with --debug. */
public class InternalException extends OnnxpressException {
    public InternalException(String message, Throwable cause) {
        super(message, cause);
    }

    @Override
    public int exitCode() {
        return 3;
    }
}
