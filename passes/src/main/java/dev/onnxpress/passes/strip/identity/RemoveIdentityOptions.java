package dev.onnxpress.passes.strip.identity;

/** {@code remove_identity} has no options. */
public record RemoveIdentityOptions() {
}
