package dev.onnxpress.bind;

import dev.onnxpress.error.InternalException;
import dev.onnxpress.passes.DataRef;
import dev.onnxpress.passes.NodeSelector;
import dev.onnxpress.passes.Param;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * One option of a pass (or data kind) as documented by its {@link Param} annotation: what
 * {@code onnxpress passes ID} prints and what the binder checks against.
 *
 * @param type   the type in recipe terms: {@code number}, {@code whole number}, {@code selector},
 *               {@code one of minmax|percentile|entropy}, {@code list of selectors} …
 * @param dflt   default in recipe syntax; empty when required or optional without default
 * @param range  e.g. {@code 0 ≤ x ≤ 1}; empty when unbounded
 */
public record ParamDoc(String name, String type, Optional<String> dflt, boolean required, Optional<String> range,
                       String doc) {

    public static List<ParamDoc> of(Class<? extends Record> options) {
        return Arrays.stream(options.getRecordComponents()).map(ParamDoc::of).toList();
    }

    static ParamDoc of(RecordComponent c) {
        Param p = c.getAnnotation(Param.class);
        if (p == null) {
            throw new InternalException("option '" + c.getName() + "' of " + c.getDeclaringRecord().getName()
                    + " has no @Param annotation", null);
        }
        boolean optional = c.getType() == Optional.class;
        Optional<String> dflt = p.dflt().isEmpty() ? Optional.empty() : Optional.of(p.dflt());
        return new ParamDoc(c.getName(), typeName(c.getGenericType()), dflt, dflt.isEmpty() && !optional,
                range(p), p.doc());
    }

    static Optional<String> range(Param p) {
        boolean lo = p.min() != Double.NEGATIVE_INFINITY;
        boolean hi = p.max() != Double.POSITIVE_INFINITY;
        if (lo && hi) {
            return Optional.of(num(p.min()) + " ≤ x ≤ " + num(p.max()));
        }
        if (lo) {
            return Optional.of("x ≥ " + num(p.min()));
        }
        return hi ? Optional.of("x ≤ " + num(p.max())) : Optional.empty();
    }

    static String num(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : Double.toString(v);
    }

    static String typeName(Type t) {
        if (t instanceof ParameterizedType pt) {
            Type raw = pt.getRawType();
            Type arg = pt.getActualTypeArguments()[0];
            if (raw == Optional.class) {
                return typeName(arg);
            }
            if (raw == List.class) {
                String item = typeName(arg);
                return "list of " + (item.startsWith("one of") ? item : item + "s");
            }
        }
        if (t == boolean.class || t == Boolean.class) {
            return "boolean";
        }
        if (t == int.class || t == long.class || t == Integer.class || t == Long.class) {
            return "whole number";
        }
        if (t == double.class || t == Double.class || t == float.class || t == Float.class) {
            return "number";
        }
        if (t == String.class) {
            return "string";
        }
        if (t == NodeSelector.class) {
            return "selector";
        }
        if (t == DataRef.class) {
            return "data set";
        }
        if (t instanceof Class<?> c && c.isEnum()) {
            return "one of " + Arrays.stream(c.getEnumConstants())
                    .map(e -> ((Enum<?>) e).name().toLowerCase(Locale.ROOT)).collect(Collectors.joining("|"));
        }
        return t.getTypeName();
    }
}
