package dev.onnxpress.passes.fold;

/**
 * A per-channel affine map y = x·scale[c] + shift[c], computed in double. BatchNormalization in
 * inference form is one (scale = γ/√(var+ε), shift = β − mean·scale); so is a Mul or Add by a
 * per-channel constant.
 */
public record ChannelAffine(double[] scale, double[] shift) {
    public ChannelAffine {
        if (scale.length != shift.length) {
            throw new IllegalArgumentException("scale and shift differ in length");
        }
        scale = scale.clone();
        shift = shift.clone();
    }

    public int channels() {
        return scale.length;
    }

    public boolean shiftIsZero() {
        for (double s : shift) {
            if (s != 0) {
                return false;
            }
        }
        return true;
    }

    /** Broadcasts a single-element scale or shift to {@code channels}. */
    public static double[] spread(double[] v, int channels) {
        if (v.length == channels) {
            return v.clone();
        }
        double[] out = new double[channels];
        java.util.Arrays.fill(out, v[0]);
        return out;
    }
}
