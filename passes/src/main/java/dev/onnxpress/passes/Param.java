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
 */
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.RECORD_COMPONENT, ElementType.FIELD, ElementType.PARAMETER})
public @interface Param {
    /** One sentence for `onnxpress passes ID` and the docs. */
    String doc();

    /** Default in recipe syntax ("" = no default: the option is required unless its type is Optional). */
    String dflt() default "";

    double min() default Double.NEGATIVE_INFINITY;

    double max() default Double.POSITIVE_INFINITY;
}
