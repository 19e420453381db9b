package dev.onnxpress.passes;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * What a pass is, declared once on its class: {@link Pass#info()} is built from it and
 * {@link Pass#optionsType()} is the record named in {@code implements Pass<…Options>}, so a pass writes
 * neither method.
 *
 * <pre>{@code
 * @PassSpec(id = "remove_identity", summary = "Remove Identity nodes (graph output names are kept)",
 *         traits = {Trait.PRESERVES_SEMANTICS, Trait.IDEMPOTENT},
 *         statistics = @Statistic(name = "nodes_removed", doc = "Identity nodes removed"))
 * public final class RemoveIdentityPass implements Pass<RemoveIdentityOptions> { … }
 * }</pre>
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
public @interface PassSpec {
    /** Stable id, snake_case, verb first. */
    String id();

    /** One line for {@code onnxpress passes}. */
    String summary();

    PassInfo.Trait[] traits() default {};

    /** The statistics the pass reports, in the order reports list them. */
    Statistic[] statistics() default {};
}
