package dev.onnxpress.data;

/**
 * Value transform applied to every element read from a file: {@code ((v * scale) - mean) / std}
 * (e.g. {@code scale=1/255} maps uint8 pixels to [0,1]).
 */
public record Preprocess(double scale, double mean, double std) {
    public static final Preprocess IDENTITY = new Preprocess(1, 0, 1);

    public Preprocess {
        if (!Double.isFinite(scale) || !Double.isFinite(mean) || !Double.isFinite(std) || std == 0) {
            throw new IllegalArgumentException("scale " + scale + ", mean " + mean + ", std " + std);
        }
    }

    public static Preprocess scale(double scale) {
        return new Preprocess(scale, 0, 1);
    }

    public boolean isIdentity() {
        return scale == 1 && mean == 0 && std == 1;
    }

    public double apply(double v) {
        return (v * scale - mean) / std;
    }
}
