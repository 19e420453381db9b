package dev.onnxpress.passes;

import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Options records built in code from their declared defaults ({@link OptionSpec}): the programmatic twin of
 * the recipe binder, so no class or test restates a default. Every value given is checked against the
 * option's type and declared range.
 *
 * <pre>{@code
 * PruneChannelsOptions o = PassOptions.of(PruneChannelsOptions.class, Map.of("criterion", Criterion.l2,
 *         "ratio", 0.5));
 * }</pre>
 */
public final class PassOptions {
    private PassOptions() {
    }

    /**
     * The record with every option at its declared default (absent optional options empty).
     *
     * @throws IllegalArgumentException when an option is required (use {@link #of} and give it)
     */
    public static <O extends Record> O defaults(Class<O> type) {
        return of(type, Map.of());
    }

    /**
     * The record with the given options and every other one at its default.
     *
     * @throws IllegalArgumentException on an unknown name, a value of the wrong type or out of range, a
     *                                  missing required option, or a combination the record rejects
     */
    public static <O extends Record> O of(Class<O> type, Map<String, ?> given) {
        List<OptionSpec> specs = OptionSpec.of(type);
        for (String name : given.keySet()) {
            if (specs.stream().noneMatch(s -> s.name().equals(name))) {
                throw new IllegalArgumentException(type.getSimpleName() + " has no option '" + name + "' (options: "
                        + specs.stream().map(OptionSpec::name).collect(Collectors.joining(", ")) + ")");
            }
        }
        Object[] values = new Object[specs.size()];
        for (int i = 0; i < values.length; i++) {
            OptionSpec s = specs.get(i);
            if (given.containsKey(s.name())) {
                values[i] = checked(type, s, given.get(s.name()));
            } else if (s.required()) {
                throw new IllegalArgumentException(type.getSimpleName() + ": option '" + s.name() + "' is required");
            } else {
                values[i] = s.defaultValue();
            }
        }
        return construct(type, values);
    }

    /** A copy of {@code options} with one option changed (checked like {@link #of}). */
    public static <O extends Record> O with(O options, String name, Object value) {
        return with(options, Map.of(name, value));
    }

    /** A copy of {@code options} with the given options changed (checked like {@link #of}). */
    @SuppressWarnings("unchecked")
    public static <O extends Record> O with(O options, Map<String, ?> changes) {
        Class<O> type = (Class<O>) options.getClass();
        Map<String, Object> all = new LinkedHashMap<>();
        for (RecordComponent c : type.getRecordComponents()) {
            try {
                all.put(c.getName(), c.getAccessor().invoke(options));
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException("cannot read " + type.getSimpleName() + "." + c.getName(), e);
            }
        }
        for (String name : changes.keySet()) {
            if (!all.containsKey(name)) {
                return of(type, changes); // reports the unknown name
            }
        }
        all.putAll(changes);
        return of(type, all);
    }

    /**
     * Checks one value against its option's declared type and range, for a record constructor that must refuse
     * bad values built in code too (the binder has already checked recipe values at their argument).
     *
     * @throws IllegalArgumentException when the value is not of the option's type or outside its range
     */
    public static void check(Class<? extends Record> type, String name, Object value) {
        checked(type, OptionSpec.named(type, name), value);
    }

    private static Object checked(Class<?> type, OptionSpec s, Object value) {
        String where = type.getSimpleName() + "." + s.name();
        if (value == null) {
            throw new IllegalArgumentException(where + " is null");
        }
        if (!s.optional()) {
            value = widened(s.type(), value);
        } else if (!(value instanceof Optional<?>)) {
            value = Optional.of(widened(((ParameterizedType) s.type()).getActualTypeArguments()[0], value));
        }
        if (!fits(s.type(), value)) {
            throw new IllegalArgumentException(where + " takes " + s.typeName() + ", not " + value + " ("
                    + value.getClass().getSimpleName() + ")");
        }
        Object v = value;
        s.outOfRange(v).ifPresent(bad -> {
            throw new IllegalArgumentException(where + " must be " + s.rangeWords() + " but is " + OptionSpec.num(bad));
        });
        return v;
    }

    /** A whole number given for a long or double option, or a float for a double one, as that type. */
    private static Object widened(Type t, Object v) {
        boolean whole = v instanceof Integer || v instanceof Long || v instanceof Short || v instanceof Byte;
        if ((t == long.class || t == Long.class) && whole) {
            return ((Number) v).longValue();
        }
        if ((t == double.class || t == Double.class) && (whole || v instanceof Float)) {
            return ((Number) v).doubleValue();
        }
        return v;
    }

    private static boolean fits(Type t, Object v) {
        if (t instanceof ParameterizedType pt) {
            Type raw = pt.getRawType();
            Type item = pt.getActualTypeArguments()[0];
            if (raw == Optional.class) {
                return v instanceof Optional<?> o && (o.isEmpty() || fits(item, o.get()));
            }
            if (raw == List.class) {
                return v instanceof List<?> l && l.stream().allMatch(i -> i != null && fits(item, i));
            }
            return false;
        }
        Class<?> c = (Class<?>) t;
        return box(c).isInstance(v);
    }

    private static Class<?> box(Class<?> c) {
        if (!c.isPrimitive()) {
            return c;
        }
        return c == boolean.class ? Boolean.class : c == int.class ? Integer.class : c == long.class ? Long.class
                : c == double.class ? Double.class : c == float.class ? Float.class : c;
    }

    private static <O extends Record> O construct(Class<O> type, Object[] values) {
        try {
            Constructor<O> ctor = type.getDeclaredConstructor(Arrays.stream(type.getRecordComponents())
                    .map(RecordComponent::getType).toArray(Class<?>[]::new));
            ctor.setAccessible(true);
            return ctor.newInstance(values);
        } catch (InvocationTargetException e) {
            if (e.getCause() instanceof IllegalArgumentException iae) {
                throw iae;
            }
            throw new IllegalStateException("options record " + type.getSimpleName() + " failed", e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot build options record " + type.getName(), e);
        }
    }
}
