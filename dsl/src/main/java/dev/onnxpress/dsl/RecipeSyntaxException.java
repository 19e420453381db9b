package dev.onnxpress.dsl;

import java.util.Objects;

/**
 * A recipe that cannot be read. {@link #getMessage()} is one line, {@code file:line:col: reason},
 * ready to show the user as is; {@link #reason()} is the part after the location.
 */
public final class RecipeSyntaxException extends RuntimeException {

    private final SourceLocation location;
    private final String reason;

    public RecipeSyntaxException(SourceLocation location, String reason) {
        super(Objects.requireNonNull(location, "location") + ": " + Objects.requireNonNull(reason, "reason"),
                null, false, false);
        this.location = location;
        this.reason = reason;
    }

    public SourceLocation location() {
        return location;
    }

    public String reason() {
        return reason;
    }
}
