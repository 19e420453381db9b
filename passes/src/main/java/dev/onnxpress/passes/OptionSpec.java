package dev.onnxpress.passes;

import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * One option of a pass (or of a data kind), as its options-record component declares it with {@link Param}:
 * name, type, default, range and doc. This is the only reading of the annotation: the recipe binder, the
 * programmatic factory {@link Options}, {@code onnxpress passes ID} and the tests all go through it, so a
 * default or a range is written once, on the component.
 *
 * @param type     the component's generic type
 * @param dflt     the default in recipe syntax; empty when there is none
 * @param optional the component is an {@code Optional} (absent when neither given nor defaulted)
 * @param min      smallest allowed number (for lists: of each item); -∞ when unbounded
 * @param max      largest allowed number (for lists: of each item); +∞ when unbounded
 */
public record OptionSpec(String name, Type type, Optional<String> dflt, boolean optional, double min, double max,
                         String doc) {

    private static final ClassValue<List<OptionSpec>> SPECS = new ClassValue<>() {
        @Override
        protected List<OptionSpec> computeValue(Class<?> type) {
            if (!type.isRecord()) {
                throw new IllegalArgumentException(type.getName() + " is not a record");
            }
            return Arrays.stream(type.getRecordComponents()).map(OptionSpec::of).toList();
        }
    };

    /** The options of a record, in component order. */
    public static List<OptionSpec> of(Class<? extends Record> options) {
        return SPECS.get(options);
    }

    /**
     * The option called {@code name}.
     *
     * @throws IllegalArgumentException when the record has no such option
     */
    public static OptionSpec named(Class<? extends Record> options, String name) {
        return of(options).stream().filter(s -> s.name().equals(name)).findFirst().orElseThrow(
                () -> new IllegalArgumentException(options.getSimpleName() + " has no option '" + name + "'"));
    }

    private static OptionSpec of(RecordComponent c) {
        Param p = c.getAnnotation(Param.class);
        if (p == null) {
            throw new IllegalStateException("option '" + c.getName() + "' of " + c.getDeclaringRecord().getName()
                    + " has no @Param annotation");
        }
        return new OptionSpec(c.getName(), c.getGenericType(), p.dflt().isEmpty() ? Optional.empty()
                : Optional.of(p.dflt()), c.getType() == Optional.class, p.min(), p.max(), p.doc());
    }

    /** True when a recipe must give this option: no default, and not an {@code Optional}. */
    public boolean required() {
        return dflt.isEmpty() && !optional;
    }

    /** The range in words for docs, e.g. {@code 0 ≤ x ≤ 1}; empty when unbounded. */
    public Optional<String> range() {
        boolean lo = min != Double.NEGATIVE_INFINITY;
        boolean hi = max != Double.POSITIVE_INFINITY;
        if (lo && hi) {
            return Optional.of(num(min) + " ≤ x ≤ " + num(max));
        }
        if (lo) {
            return Optional.of("x ≥ " + num(min));
        }
        return hi ? Optional.of("x ≤ " + num(max)) : Optional.empty();
    }

    /** The range as a phrase for errors: "between 0 and 1", "at least 1", "at most 8". */
    public String rangeWords() {
        boolean lo = min != Double.NEGATIVE_INFINITY;
        boolean hi = max != Double.POSITIVE_INFINITY;
        if (lo && hi) {
            return "between " + num(min) + " and " + num(max);
        }
        if (lo) {
            return "at least " + num(min);
        }
        return hi ? "at most " + num(max) : "in range";
    }

    /** True when a number is within the declared range. */
    public boolean inRange(double v) {
        return v >= min && v <= max;
    }

    /** The type in recipe terms: {@code number}, {@code whole number}, {@code one of minmax|percentile} … */
    public String typeName() {
        return typeName(type);
    }

    /** The lower-case spelling of an enum constant: what recipes write, docs show, and the binder accepts in any case. */
    public static String spelling(Enum<?> e) {
        return e.name().toLowerCase(Locale.ROOT);
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
            return "one of " + Arrays.stream(c.getEnumConstants()).map(e -> spelling((Enum<?>) e))
                    .collect(Collectors.joining("|"));
        }
        return t.getTypeName();
    }

    static String num(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : Double.toString(v);
    }

    /**
     * The default as the typed value the record holds: {@code Optional.empty()} for an optional option
     * without default.
     *
     * @throws IllegalStateException when the option is required, or its default does not read as its type or
     *                               lies outside its range
     */
    public Object defaultValue() {
        if (dflt.isEmpty()) {
            if (optional) {
                return Optional.empty();
            }
            throw new IllegalStateException("option '" + name + "' is required (it has no default)");
        }
        Object v;
        try {
            v = read(dflt.get().trim(), type);
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("default of '" + name + "' (" + dflt.get() + "): " + e.getMessage(), e);
        }
        outOfRange(v).ifPresent(bad -> {
            throw new IllegalStateException("default of '" + name + "' (" + dflt.get() + ") is not " + rangeWords());
        });
        return v;
    }

    /** The first number in a value (a number, an Optional or list of numbers) outside the range, if any. */
    public Optional<Double> outOfRange(Object value) {
        if (value instanceof Optional<?> o) {
            return o.isPresent() ? outOfRange(o.get()) : Optional.empty();
        }
        if (value instanceof List<?> l) {
            for (Object i : l) {
                Optional<Double> bad = outOfRange(i);
                if (bad.isPresent()) {
                    return bad;
                }
            }
            return Optional.empty();
        }
        if (value instanceof Number n && !inRange(n.doubleValue())) {
            return Optional.of(n.doubleValue());
        }
        return Optional.empty();
    }

    /*
     * The default literals: true/false, numbers (also 1/255 and 30%), "strings", enum words, `all`, and lists
     * of these. A richer selector or a data set has no default: data set names belong to a recipe.
     */
    private static Object read(String s, Type type) {
        if (type instanceof ParameterizedType pt) {
            Type raw = pt.getRawType();
            Type item = pt.getActualTypeArguments()[0];
            if (raw == Optional.class) {
                return Optional.of(read(s, item));
            }
            if (raw == List.class) {
                if (!s.startsWith("[") || !s.endsWith("]")) {
                    throw new IllegalArgumentException("not a list [a, b, …]");
                }
                List<Object> out = new ArrayList<>();
                for (String part : items(s.substring(1, s.length() - 1))) {
                    out.add(read(part, item));
                }
                return List.copyOf(out);
            }
        }
        if (type == boolean.class || type == Boolean.class) {
            if (s.equals("true") || s.equals("false")) {
                return Boolean.parseBoolean(s);
            }
            throw new IllegalArgumentException("not true or false");
        }
        if (type == int.class || type == Integer.class || type == long.class || type == Long.class) {
            double d = number(s);
            if (d != Math.rint(d) || s.endsWith("%")) {
                throw new IllegalArgumentException("not a whole number");
            }
            if (type == int.class || type == Integer.class) {
                if (Math.abs(d) > Integer.MAX_VALUE) {
                    throw new IllegalArgumentException("too large");
                }
                return (int) d;
            }
            return (long) d;
        }
        if (type == double.class || type == Double.class) {
            return number(s);
        }
        if (type == float.class || type == Float.class) {
            return (float) number(s);
        }
        if (type == String.class) {
            if (s.length() >= 2 && s.startsWith("\"") && s.endsWith("\"")
                    && s.indexOf('"', 1) == s.length() - 1 && s.indexOf('\\') < 0) {
                return s.substring(1, s.length() - 1);
            }
            throw new IllegalArgumentException("not a quoted string without escapes");
        }
        if (type == NodeSelector.class) {
            if (s.equals("all")) {
                return NodeSelector.ALL;
            }
            throw new IllegalArgumentException("a selector default can only be 'all'");
        }
        if (type instanceof Class<?> c && c.isEnum()) {
            for (Object e : c.getEnumConstants()) {
                if (((Enum<?>) e).name().equalsIgnoreCase(s)) {
                    return e;
                }
            }
            throw new IllegalArgumentException("not one of " + typeName(c).substring("one of ".length()));
        }
        throw new IllegalArgumentException("a " + typeName(type) + " option cannot have a default");
    }

    /** A number as recipes write it: {@code -1.5e-3}, {@code 1/255}, {@code 30%} (→ 0.3). */
    private static double number(String s) {
        try {
            if (s.endsWith("%")) {
                return Double.parseDouble(s.substring(0, s.length() - 1)) / 100.0;
            }
            int slash = s.indexOf('/');
            if (slash > 0) {
                double d = Double.parseDouble(s.substring(slash + 1));
                if (d == 0) {
                    throw new IllegalArgumentException("division by zero");
                }
                return Double.parseDouble(s.substring(0, slash)) / d;
            }
            if (s.contains("Infinity") || s.contains("NaN") || s.endsWith("d") || s.endsWith("f")
                    || s.endsWith("D") || s.endsWith("F") || s.startsWith("0x")) {
                throw new NumberFormatException(s);
            }
            return Double.parseDouble(s);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a number");
        }
    }

    /** Top-level comma-separated items of a list body, honouring quotes. */
    private static List<String> items(String body) {
        List<String> out = new ArrayList<>();
        if (body.isBlank()) {
            return out;
        }
        StringBuilder cur = new StringBuilder();
        boolean quoted = false;
        for (char ch : body.toCharArray()) {
            if (ch == '"') {
                quoted = !quoted;
            }
            if (ch == ',' && !quoted) {
                out.add(cur.toString().trim());
                cur.setLength(0);
            } else {
                cur.append(ch);
            }
        }
        out.add(cur.toString().trim());
        return out;
    }
}
