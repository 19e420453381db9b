package dev.onnxpress.error;

/** Something the user can fix: a bad model, recipe, data file or argument. Exit code 2. */
public class UserException extends OnnxpressException {
    public UserException(String message) {
        super(message, null);
    }

    public UserException(String message, Throwable cause) {
        super(message, cause);
    }

    @Override
    public int exitCode() {
        return 2;
    }
}
