package dev.onnxpress.pack;

import dev.onnxpress.error.InvalidModelException;

/** A packed tensor whose bytes do not decode: truncated, corrupt, or written by an unknown version. */
public final class PackFormatException extends InvalidModelException {
    public PackFormatException(String message) {
        super(message);
    }
}
