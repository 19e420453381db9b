package dev.onnxpress.bind;

import dev.onnxpress.dsl.SourceLocation;
import dev.onnxpress.error.UserException;

/**
 * A recipe that parses but cannot be bound to passes, options and data sets: one line,
 * {@code file:line:col: reason}, found before the model is touched.
 */
public class BindException extends UserException {
    private final SourceLocation location;
    private final String reason;

    public BindException(SourceLocation location, String reason) {
        super(location + ": " + reason);
        this.location = location;
        this.reason = reason;
    }

    public SourceLocation location() {
        return location;
    }

    /** The message without its location. */
    public String reason() {
        return reason;
    }
}
