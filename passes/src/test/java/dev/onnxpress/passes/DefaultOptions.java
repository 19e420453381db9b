package dev.onnxpress.passes;

import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Builds an options record from its {@link Param#dflt} strings, for tests in this module (the compiler's
 * binder is the real parser; this reads only the simple literal forms: booleans, numbers, quoted or bare
 * strings, enum words and lists of those). Fails when a component has no default and is not Optional.
 */
public final class DefaultOptions {
    private DefaultOptions() {
    }

    public static <O extends Record> O of(Class<O> type) {
        RecordComponent[] comps = type.getRecordComponents();
        Object[] args = new Object[comps.length];
        Class<?>[] types = new Class<?>[comps.length];
        for (int i = 0; i < comps.length; i++) {
            RecordComponent c = comps[i];
            types[i] = c.getType();
            Param p = c.getAnnotation(Param.class);
            if (p == null) {
                throw new AssertionError(type.getSimpleName() + "." + c.getName() + " has no @Param");
            }
            if (p.dflt().isEmpty()) {
                if (c.getType() != Optional.class) {
                    throw new AssertionError(type.getSimpleName() + "." + c.getName() + " is required (no default)");
                }
                args[i] = Optional.empty();
            } else {
                args[i] = parse(p.dflt(), c.getGenericType(), type.getSimpleName() + "." + c.getName());
            }
        }
        try {
            return type.getDeclaredConstructor(types).newInstance(args);
        } catch (ReflectiveOperationException e) {
            throw new AssertionError("cannot build " + type.getSimpleName() + " from defaults", e);
        }
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static Object parse(String text, Type type, String where) {
        String s = text.trim();
        Class<?> raw = type instanceof ParameterizedType pt ? (Class<?>) pt.getRawType() : (Class<?>) type;
        if (raw == boolean.class || raw == Boolean.class) {
            if (!s.equals("true") && !s.equals("false")) {
                throw new AssertionError(where + ": default '" + s + "' is not a boolean");
            }
            return Boolean.parseBoolean(s);
        }
        if (raw == int.class || raw == Integer.class) {
            return Integer.parseInt(s);
        }
        if (raw == long.class || raw == Long.class) {
            return Long.parseLong(s);
        }
        if (raw == double.class || raw == Double.class) {
            return s.endsWith("%") ? Double.parseDouble(s.substring(0, s.length() - 1)) / 100 : Double.parseDouble(s);
        }
        if (raw == String.class) {
            return s.startsWith("\"") && s.endsWith("\"") ? s.substring(1, s.length() - 1) : s;
        }
        if (raw.isEnum()) {
            for (Object c : raw.getEnumConstants()) {
                if (((Enum) c).name().equalsIgnoreCase(s)) {
                    return c;
                }
            }
            throw new AssertionError(where + ": default '" + s + "' is not one of " + List.of(raw.getEnumConstants()));
        }
        if (raw == NodeSelector.class && s.equals("all")) {
            return NodeSelector.ALL;
        }
        if (raw == Optional.class) {
            return Optional.of(parse(s, ((ParameterizedType) type).getActualTypeArguments()[0], where));
        }
        if (raw == List.class) {
            if (!s.startsWith("[") || !s.endsWith("]")) {
                throw new AssertionError(where + ": default '" + s + "' is not a list");
            }
            Type elem = ((ParameterizedType) type).getActualTypeArguments()[0];
            List<Object> out = new ArrayList<>();
            String body = s.substring(1, s.length() - 1).trim();
            if (!body.isEmpty()) {
                for (String part : body.split(",")) {
                    out.add(parse(part, elem, where));
                }
            }
            return List.copyOf(out);
        }
        throw new AssertionError(where + ": this test cannot read a default of type " + type.getTypeName());
    }
}
