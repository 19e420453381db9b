package dev.onnxpress.passes;

import dev.onnxpress.error.UserException;

/** A pass cannot do what the recipe asks on this model (e.g. a selector that matches no layer). */
public class PassException extends UserException {
    public PassException(String passId, String message) {
        super(passId + ": " + message);
    }
}
