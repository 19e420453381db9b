package dev.onnxpress.passes;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Documents and constrains one option of a pass. Supported component types: boolean, int, long,
 * double (a recipe may write {@code 30%} for 0.30), String, an enum (written as a bare word),
 * {@link NodeSelector}, {@link DataRef}, {@code List<String>}, {@code List<Double>},
 * {@code List<NodeSelector>}, and {@code java.util.Optional} of any of these for options without default.
 * This annotation is the one declaration of an option: everything reads it through {@link OptionSpec}
 * (the binder, {@link PassOptions}, {@code onnxpress passes ID}, the tests). Enum constants are lower case.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.RECORD_COMPONENT, ElementType.FIELD, ElementType.PARAMETER})
public @interface Param {
    /** One sentence for `onnxpress passes ID` and the docs. */
    String doc();

    /** Default in recipe syntax ("" = no default: the option is required unless its type is Optional). */
    String dflt() default "";

    /** Smallest allowed value (of a number, or of each number in a list). */
    double min() default Double.NEGATIVE_INFINITY;

    /** Largest allowed value (of a number, or of each number in a list). */
    double max() default Double.POSITIVE_INFINITY;
}
