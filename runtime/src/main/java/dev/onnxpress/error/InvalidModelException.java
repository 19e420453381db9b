package dev.onnxpress.error;

/** The model file cannot be read or is not a valid ONNX graph (corrupt, cyclic, dangling inputs …). */
public class InvalidModelException extends UserException {
    public InvalidModelException(String message) {
        super(message);
    }

    public InvalidModelException(String message, Throwable cause) {
        super(message, cause);
    }
}
