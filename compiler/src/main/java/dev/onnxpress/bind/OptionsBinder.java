package dev.onnxpress.bind;

import dev.onnxpress.dsl.Arg;
import dev.onnxpress.dsl.Glob;
import dev.onnxpress.dsl.RecipePrinter;
import dev.onnxpress.dsl.Selector;
import dev.onnxpress.dsl.SetOperand;
import dev.onnxpress.dsl.SourceLocation;
import dev.onnxpress.dsl.Value;
import dev.onnxpress.error.InternalException;
import dev.onnxpress.passes.DataRef;
import dev.onnxpress.passes.NodeSelector;
import dev.onnxpress.passes.OptionSpec;
import dev.onnxpress.passes.PassOptions;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Binds recipe arguments to an options record by reflection over its declared options ({@link OptionSpec}). Every
 * error is a {@link BindException} at the argument's location (or the call's, for a missing one).
 *
 * <p>Accepted values per component type: {@code boolean} ← true/false; {@code int}/{@code long} ← whole
 * numbers; {@code double} ← numbers, fractions ({@code 1/255}) and percentages ({@code 30%} → 0.30);
 * {@code String} ← strings; enums ← a bare word matching a constant name, case-insensitively;
 * {@link NodeSelector} ← {@code all}, {@code op("glob")} on op types, {@code name("glob")} on node names,
 * combined with {@code +}, {@code -}, {@code &}; {@link DataRef} ← a declared data set name; lists of
 * strings, numbers or selectors (a single value is a list of one); {@code Optional} of any of these.
 */
final class OptionsBinder {

    /** The bound record and its canonical texts. */
    record Bound<O extends Record>(O options, String givenText, String allText) {
    }

    private OptionsBinder() {
    }

    static <O extends Record> Bound<O> bind(Class<O> type, String owner, List<Arg> args, SourceLocation call,
                                            Scope scope) {
        RecordComponent[] comps = type.getRecordComponents();
        Map<String, RecordComponent> byName = new LinkedHashMap<>();
        for (RecordComponent c : comps) {
            byName.put(c.getName(), c);
        }
        Map<String, Arg> given = new LinkedHashMap<>();
        int positional = 0;
        for (Arg a : args) {
            String name;
            if (a.name().isPresent()) {
                name = a.name().get();
                if (!byName.containsKey(name)) {
                    throw new BindException(a.location(), "unknown parameter '" + name + "' for " + owner
                            + DidYouMean.suffix(name, byName.keySet()) + known(byName.keySet()));
                }
            } else {
                if (positional >= comps.length) {
                    throw new BindException(a.location(), owner + " takes " + comps.length + " parameter"
                            + (comps.length == 1 ? "" : "s") + " but got more");
                }
                name = comps[positional++].getName();
            }
            if (given.containsKey(name)) {
                throw new BindException(a.location(), "parameter '" + name + "' is given twice (first at line "
                        + given.get(name).location().line() + ")");
            }
            given.put(name, a);
        }
        Object[] values = new Object[comps.length];
        List<String> givenText = new ArrayList<>();
        List<String> allText = new ArrayList<>();
        List<OptionSpec> specs = OptionSpec.of(type);
        for (int i = 0; i < comps.length; i++) {
            RecordComponent c = comps[i];
            OptionSpec p = specs.get(i);
            Arg a = given.get(c.getName());
            if (a != null) {
                Value v = resolve(a.value(), scope);
                values[i] = convert(c.getGenericType(), v, c.getName(), p, a.location(), scope);
                String text = c.getName() + "=" + canonical(v, c.getGenericType());
                givenText.add(text);
                allText.add(text);
            } else if (p.required()) {
                throw new BindException(call, owner + ": missing required parameter '" + c.getName() + "' ("
                        + p.typeName() + ": " + p.doc() + ")");
            } else {
                try {
                    values[i] = p.defaultValue();
                } catch (IllegalStateException e) {
                    throw new InternalException(owner + ": " + e.getMessage(), e);
                }
                p.dflt().ifPresent(d -> allText.add(c.getName() + "=" + d));
            }
        }
        O options = construct(type, comps, values, owner, call);
        return new Bound<>(options, String.join(", ", givenText), String.join(", ", allText));
    }

    /** The value as recipes print it; an enum word in its one spelling (lower case), however it was typed. */
    private static String canonical(Value v, Type type) {
        Type t = type instanceof ParameterizedType pt && pt.getRawType() == Optional.class
                ? pt.getActualTypeArguments()[0] : type;
        if (v instanceof Value.Word w && t instanceof Class<?> c && c.isEnum()) {
            return w.text().toLowerCase(Locale.ROOT);
        }
        return RecipePrinter.print(v);
    }

    private static String known(java.util.Collection<String> names) {
        if (names.isEmpty()) {
            return " (it takes no parameters)";
        }
        return " (parameters: " + String.join(", ", names) + ")";
    }

    /** Loop variables are replaced by the value of the attempt being bound, inside selectors too. */
    static Value resolve(Value v, Scope scope) {
        if (v instanceof Value.Word w) {
            return scope.variable(w.text()).orElse(w);
        }
        if (v instanceof Value.ListValue l) {
            return new Value.ListValue(l.items().stream().map(i -> resolve(i, scope)).toList(), l.location());
        }
        if (v instanceof Selector.Union u) {
            return new Selector.Union(operand(u.left(), scope), operand(u.right(), scope), u.location());
        }
        if (v instanceof Selector.Difference d) {
            return new Selector.Difference(operand(d.left(), scope), operand(d.right(), scope), d.location());
        }
        if (v instanceof Selector.Intersection x) {
            return new Selector.Intersection(operand(x.left(), scope), operand(x.right(), scope), x.location());
        }
        return v;
    }

    private static SetOperand operand(SetOperand o, Scope scope) {
        Value r = resolve(o, scope);
        return r instanceof SetOperand s ? s : o;
    }

    private static Object convert(Type type, Value v, String param, OptionSpec p, SourceLocation at, Scope scope) {
        if (type instanceof ParameterizedType pt) {
            Type raw = pt.getRawType();
            Type item = pt.getActualTypeArguments()[0];
            if (raw == Optional.class) {
                return Optional.of(convert(item, v, param, p, at, scope));
            }
            if (raw == List.class) {
                List<Value> items = v instanceof Value.ListValue l ? l.items() : List.of(v);
                List<Object> out = new ArrayList<>();
                for (Value i : items) {
                    out.add(convert(item, i, param, p, at, scope));
                }
                return List.copyOf(out);
            }
        }
        wordCheck(v, type, param, at, scope);
        if (type == boolean.class || type == Boolean.class) {
            if (v instanceof Value.Bool b) {
                return b.value();
            }
            throw wrongType("true or false", param, v, at);
        }
        if (type == int.class || type == Integer.class || type == long.class || type == Long.class) {
            return wholeNumber(type, v, param, p, at);
        }
        if (type == double.class || type == Double.class || type == float.class || type == Float.class) {
            return realNumber(type, v, param, p, at);
        }
        if (type == String.class) {
            return string(v, param, at);
        }
        if (type == NodeSelector.class) {
            if (v instanceof Selector s) {
                return selector(s, param, at);
            }
            throw wrongType("a selector (all, op(\"…\"), name(\"…\"))", param, v, at);
        }
        if (type == DataRef.class) {
            if (v instanceof Value.Word w) {
                if (!scope.dataSets().contains(w.text())) {
                    throw unknownData(w.text(), at, scope);
                }
                return new DataRef(w.text());
            }
            throw wrongType("a data set name", param, v, at);
        }
        if (type instanceof Class<?> c && c.isEnum()) {
            return enumConstant(c, v, param, at);
        }
        throw new InternalException("parameter '" + param + "' has a type the binder does not know: "
                + type.getTypeName(), null);
    }

    /** An int or long: a whole number within the parameter's range. */
    private static Object wholeNumber(Type type, Value v, String param, OptionSpec p, SourceLocation at) {
        if (v instanceof Value.Num n) {
            if (n.value() != Math.rint(n.value())) {
                throw new BindException(at, "expected a whole number for '" + param + "' but got " + n.text());
            }
            range(n.value(), n.text(), param, p, at);
            if (type == int.class || type == Integer.class) {
                if (Math.abs(n.value()) > Integer.MAX_VALUE) {
                    throw new BindException(at, "'" + param + "' is too large: " + n.text());
                }
                return (int) n.value();
            }
            return (long) n.value();
        }
        throw wrongType("a whole number", param, v, at);
    }

    /** A double or float: a number or a percentage within the parameter's range. */
    private static Object realNumber(Type type, Value v, String param, OptionSpec p, SourceLocation at) {
        double d;
        String text;
        if (v instanceof Value.Num n) {
            d = n.value();
            text = n.text();
        } else if (v instanceof Value.Percent pc) {
            d = pc.fraction();
            text = pc.text();
        } else {
            throw wrongType("a number", param, v, at);
        }
        range(d, text, param, p, at);
        return type == float.class || type == Float.class ? (Object) (float) d : (Object) d;
    }

    /** A quoted string (a bare word gets a hint to quote it). */
    private static String string(Value v, String param, SourceLocation at) {
        if (v instanceof Value.Str s) {
            return s.value();
        }
        if (v instanceof Value.Word w) {
            throw new BindException(at, "expected a string for '" + param + "' but got the word '" + w.text()
                    + "'; quote it: \"" + w.text() + "\"");
        }
        throw wrongType("a string", param, v, at);
    }

    /** An enum constant named by a word, in any case. */
    private static Object enumConstant(Class<?> c, Value v, String param, SourceLocation at) {
        Object[] constants = c.getEnumConstants();
        List<String> names = Arrays.stream(constants).map(e -> OptionSpec.spelling((Enum<?>) e)).toList();
        if (v instanceof Value.Word w) {
            for (Object e : constants) {
                if (((Enum<?>) e).name().equalsIgnoreCase(w.text())) {
                    return e;
                }
            }
            throw new BindException(at, "unknown value '" + w.text() + "' for '" + param + "'"
                    + DidYouMean.suffix(w.text(), names) + " (one of " + String.join(", ", names) + ")");
        }
        throw wrongType("one of " + String.join(", ", names), param, v, at);
    }

    /** A bare word that is not what the parameter wants but names a loop variable elsewhere: say so. */
    private static void wordCheck(Value v, Type type, String param, SourceLocation at, Scope scope) {
        if (!(v instanceof Value.Word w)) {
            return;
        }
        if (type instanceof Class<?> c && c.isEnum()) {
            boolean isConstant = Arrays.stream(c.getEnumConstants())
                    .anyMatch(e -> ((Enum<?>) e).name().equalsIgnoreCase(w.text()));
            if (isConstant) {
                return;
            }
        }
        if (type == DataRef.class && scope.dataSets().contains(w.text())) {
            return;
        }
        SourceLocation loop = scope.allLoopVariables().get(w.text());
        if (loop != null) {
            throw new BindException(at, "'" + w.text() + "' is a loop variable of the try at line " + loop.line()
                    + " and is defined only inside that block");
        }
    }

    static BindException unknownData(String name, SourceLocation at, Scope scope) {
        if (!scope.dataDeclarable()) {
            return new BindException(at, "unknown data set '" + name + "'" + DidYouMean.suffix(name, scope.dataSets())
                    + "; declare it on the command line with --data " + name + "=SPEC, e.g. --data " + name
                    + "=idx:images.gz or --data " + name + "=random:8");
        }
        if (scope.dataSets().isEmpty()) {
            return new BindException(at, "unknown data set '" + name + "'; declare it first, e.g. data " + name
                    + " = idx(images=\"…\")");
        }
        return new BindException(at, "unknown data set '" + name + "'" + DidYouMean.suffix(name, scope.dataSets())
                + " (declared: " + String.join(", ", scope.dataSets()) + ")");
    }

    private static void range(double v, String text, String param, OptionSpec p, SourceLocation at) {
        if (!p.inRange(v)) {
            throw new BindException(at, "'" + param + "' must be " + p.rangeWords() + " but is " + text);
        }
    }

    private static BindException wrongType(String expected, String param, Value got, SourceLocation at) {
        return new BindException(at, "expected " + expected + " for '" + param + "' but got " + describe(got));
    }

    static String describe(Value v) {
        if (v instanceof Value.Num n) {
            return "the number " + n.text();
        }
        if (v instanceof Value.Percent p) {
            return "the percentage " + p.text();
        }
        if (v instanceof Value.Str) {
            return "a string";
        }
        if (v instanceof Value.Bool b) {
            return "the boolean " + b.value();
        }
        if (v instanceof Value.ListValue) {
            return "a list";
        }
        if (v instanceof Value.Word w) {
            return "the word '" + w.text() + "'";
        }
        return "a selector";
    }

    static NodeSelector selector(Selector s, String param, SourceLocation at) {
        if (s instanceof Selector.AllSel) {
            return NodeSelector.ALL;
        }
        if (s instanceof Selector.OpSel op) {
            Glob g = op.glob();
            return n -> g.matches(n.opType());
        }
        if (s instanceof Selector.NameSel name) {
            Glob g = name.compiled();
            return n -> g.matches(n.name());
        }
        if (s instanceof Selector.Union u) {
            return operandSelector(u.left(), param, at).or(operandSelector(u.right(), param, at));
        }
        if (s instanceof Selector.Difference d) {
            return operandSelector(d.left(), param, at).minus(operandSelector(d.right(), param, at));
        }
        Selector.Intersection x = (Selector.Intersection) s;
        return operandSelector(x.left(), param, at).and(operandSelector(x.right(), param, at));
    }

    private static NodeSelector operandSelector(SetOperand o, String param, SourceLocation at) {
        if (o instanceof Selector s) {
            return selector(s, param, at);
        }
        throw new BindException(at, "expected a selector (all, op(\"…\"), name(\"…\")) in '" + param
                + "' but got " + describe(o));
    }

    private static <O extends Record> O construct(Class<O> type, RecordComponent[] comps, Object[] values,
                                                  String owner, SourceLocation call) {
        Map<String, Object> byName = new LinkedHashMap<>();
        for (int i = 0; i < comps.length; i++) {
            byName.put(comps[i].getName(), values[i]);
        }
        try {
            return PassOptions.of(type, byName);
        } catch (IllegalArgumentException e) {
            // the options record rejects a combination the annotations cannot express
            throw new BindException(call, owner + ": " + e.getMessage());
        } catch (IllegalStateException e) {
            throw new InternalException(owner + ": " + e.getMessage(), e.getCause() == null ? e : e.getCause());
        }
    }

    static String join(List<String> items) {
        return items.stream().collect(Collectors.joining(", "));
    }
}
