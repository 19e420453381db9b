package dev.onnxpress.passes;

import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * One statistic a pass reports: its key (counted noun + unit, e.g. {@code nodes_removed}) and what it counts,
 * for {@code onnxpress passes ID} and the reports.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target({})
public @interface Statistic {
    String name();

    /** What is counted or measured, in a few words. */
    String doc();
}
