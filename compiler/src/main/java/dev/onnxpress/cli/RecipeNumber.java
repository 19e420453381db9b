package dev.onnxpress.cli;

import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * A number on the command line written as a recipe writes it: {@code 0.5}, {@code 1e-4}, {@code 1/255},
 * {@code 50%}. Shared by options that take a number a recipe could also give ({@code --scale}).
 */
final class RecipeNumber implements ITypeConverter<Double> {
    private static final String NUM = "[+-]?(?:\\d+(?:\\.\\d*)?|\\.\\d+)(?:[eE][+-]?\\d+)?";
    private static final Pattern FORM = Pattern.compile("(" + NUM + ")(?:\\s*/\\s*(" + NUM + "))?\\s*(%?)");

    @Override
    public Double convert(String value) {
        return parse(value);
    }

    static double parse(String value) {
        Matcher m = FORM.matcher(value.trim());
        if (!m.matches()) {
            throw new TypeConversionException("'" + value + "' is not a number; write it as in a recipe: 0.5, 1e-4,"
                    + " 1/255 or 50%");
        }
        double v = Double.parseDouble(m.group(1));
        if (m.group(2) != null) {
            double d = Double.parseDouble(m.group(2));
            if (d == 0) {
                throw new TypeConversionException("'" + value + "' divides by zero");
            }
            v /= d;
        }
        if (!m.group(3).isEmpty()) {
            v /= 100;
        }
        if (!Double.isFinite(v)) {
            throw new TypeConversionException("'" + value + "' is not a finite number");
        }
        return v;
    }
}
