package dev.onnxpress.cli;

import dev.onnxpress.dsl.DataDecl;
import dev.onnxpress.dsl.Recipe;
import dev.onnxpress.dsl.RecipeParser;
import dev.onnxpress.dsl.RecipeSyntaxException;
import dev.onnxpress.error.UserException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A data set declared on the command line, {@code --data NAME=SPEC}, as a recipe's
 * {@code data NAME = kind(…)} would declare it. SPEC is either a recipe expression
 * ({@code idx(images="t1k.gz", scale=1/255)}) or the short form {@code KIND:MAIN[,key=value…]}, MAIN being
 * the kind's main argument: {@code idx:images.gz}, {@code npy:x.npy}, {@code onnx_test_data:folder},
 * {@code random:8} (the sample count). Paths are relative to the working directory.
 */
final class DataSpec {
    static final String FORMS = "SPEC is KIND:FILE (idx:images.gz, npy:x.npy, onnx_test_data:folder) or random:COUNT,"
            + " with more arguments after commas (idx:images.gz,scale=1/255), or a recipe expression such as"
            + " idx(images=\"images.gz\", scale=1/255)";
    private static final Map<String, String> MAIN = Map.of("idx", "images", "npy", "path", "onnx_test_data", "dir",
            "random", "count");
    private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    private static final Pattern CALL = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*\\s*\\(.*\\)\\s*", Pattern.DOTALL);
    private static final Pattern SHORT = Pattern.compile("([A-Za-z_][A-Za-z0-9_]*):(.*)", Pattern.DOTALL);
    private static final Pattern LITERAL = Pattern.compile(
            "[+-]?[0-9.]+(?:[eE][+-]?\\d+)?(?:\\s*/\\s*[0-9.]+)?%?|\".*\"|\\[.*\\]|true|false", Pattern.DOTALL);
    /**
     * A data expression written inside -p, as in {@code calibration=random(count=8)}: the call; the
     * {@code name =} before it is read backwards by hand, so a hostile -p text (a 100,000-character name)
     * costs linear time, not a regex's quadratic backtracking.
     */
    static final Pattern INLINE_CALL = Pattern.compile("(?:idx|npy|onnx_test_data|random)\\s*\\([^()]*\\)");

    private DataSpec() {
    }

    /** {@code NAME=SPEC}, with {@code labels} added to it when given. */
    static DataDecl parse(String option, Optional<String> labels) {
        int eq = option.indexOf('=');
        String name = eq < 0 ? option : option.substring(0, eq).strip();
        if (eq < 0 || !NAME.matcher(name).matches()) {
            throw new UserException("--data " + option + ": write NAME=SPEC, e.g. --data calib=idx:images.gz; " + FORMS);
        }
        String spec = option.substring(eq + 1).strip();
        String expr = expression(name, spec);
        if (labels.isPresent()) {
            int close = expr.lastIndexOf(')');
            String before = expr.substring(0, close).strip();
            expr = before + (before.endsWith("(") ? "" : ", ") + "labels=" + quoted(labels.get()) + ")";
        }
        String text = "recipe \"command line\" version 1\ndata " + name + " = " + expr + "\n";
        try {
            Recipe r = RecipeParser.parse(text, "--data " + name);
            return r.data().get(0);
        } catch (RecipeSyntaxException e) {
            throw new UserException("--data " + option + ": " + withoutLocation(e.getMessage()) + "; " + FORMS, e);
        }
    }

    private static String expression(String name, String spec) {
        if (CALL.matcher(spec).matches()) {
            return spec;
        }
        Matcher m = SHORT.matcher(spec);
        if (!m.matches()) {
            throw new UserException("--data " + name + "=" + spec + ": " + FORMS);
        }
        String kind = m.group(1);
        List<String> parts = split(m.group(2));
        List<String> args = new ArrayList<>();
        for (int i = 0; i < parts.size(); i++) {
            String p = parts.get(i).strip();
            int eq = p.indexOf('=');
            if (i == 0 && (eq < 0 || !NAME.matcher(p.substring(0, eq).strip()).matches())) {
                args.add(MAIN.getOrDefault(kind, "path") + "=" + value(p));
            } else if (eq > 0) {
                args.add(p.substring(0, eq).strip() + "=" + value(p.substring(eq + 1).strip()));
            } else {
                throw new UserException("--data " + name + "=" + spec + ": '" + p + "' is not key=value; " + FORMS);
            }
        }
        return kind + "(" + String.join(", ", args) + ")";
    }

    /** Splits at commas outside brackets and quotes. */
    private static List<String> split(String s) {
        List<String> out = new ArrayList<>();
        int depth = 0;
        boolean quote = false;
        int start = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"') {
                quote = !quote;
            } else if (!quote && (c == '[' || c == '(')) {
                depth++;
            } else if (!quote && (c == ']' || c == ')')) {
                depth--;
            } else if (!quote && depth == 0 && c == ',') {
                out.add(s.substring(start, i));
                start = i + 1;
            }
        }
        out.add(s.substring(start));
        return out;
    }

    private static String value(String v) {
        return LITERAL.matcher(v).matches() ? v : quoted(v);
    }

    private static String quoted(String v) {
        return "\"" + v.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    static String withoutLocation(String message) {
        return message.replaceFirst("^--data [A-Za-z0-9_]+:\\d+:\\d+: ", "");
    }

    /**
     * When a -p text that did not parse holds a data expression as an argument, the message that teaches
     * the form that works: the expression moves to {@code --data}, the argument names the data set.
     */
    static Optional<String> inlineDataHint(String steps) {
        Matcher m = INLINE_CALL.matcher(steps);
        while (m.find()) {
            int i = m.start() - 1;
            while (i >= 0 && Character.isWhitespace(steps.charAt(i))) {
                i--;
            }
            if (i < 0 || steps.charAt(i) != '=') {
                continue;
            }
            i--;
            while (i >= 0 && Character.isWhitespace(steps.charAt(i))) {
                i--;
            }
            int end = i + 1;
            while (i >= 0 && isNameChar(steps.charAt(i))) {
                i--;
            }
            int start = i + 1;
            if (start == end || Character.isDigit(steps.charAt(start))) {
                continue;
            }
            String param = steps.substring(start, end);
            String fixed = steps.substring(0, m.start()) + param + steps.substring(m.end());
            return Optional.of("data cannot be written inside -p; declare it with --data and pass its name: -p '"
                    + fixed + "' --data " + param + "='" + m.group() + "'");
        }
        return Optional.empty();
    }

    private static boolean isNameChar(char c) {
        return c == '_' || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    }
}
