package dev.onnxpress.dsl;

import java.util.Objects;

/** Where a node starts in a recipe: file name, 1-based line and 1-based column. */
public record SourceLocation(String file, int line, int col) {

    /** Used for nodes built in code and by the tests that compare ASTs without their locations. */
    public static final SourceLocation UNKNOWN = new SourceLocation("<unknown>", 0, 0);

    public SourceLocation {
        Objects.requireNonNull(file, "file");
    }

    /** {@code file:line:col}, the prefix of every recipe error message. */
    @Override
    public String toString() {
        return file + ":" + line + ":" + col;
    }
}
