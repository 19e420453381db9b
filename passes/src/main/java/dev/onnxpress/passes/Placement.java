package dev.onnxpress.passes;

/** An ordering constraint between this pass and another one in the same recipe. */
public record Placement(Kind kind, String otherPass, String reason, String fix) {
    public enum Kind {
        /** This step must come before any step of {@code otherPass}. */
        BEFORE,
        /** This step must come after some step of {@code otherPass}. */
        AFTER
    }

    public static Placement before(String otherPass, String reason, String fix) {
        return new Placement(Kind.BEFORE, otherPass, reason, fix);
    }

    public static Placement after(String otherPass, String reason, String fix) {
        return new Placement(Kind.AFTER, otherPass, reason, fix);
    }
}
