package dev.onnxpress.tune;

import dev.onnxpress.error.UserException;

/**
 * The three disjoint parts of the tuning data, as contiguous slices of the one file so that a recipe can
 * name each with {@code skip=} and {@code count=}: calibration (drives compensation, refits and int8
 * ranges), selection (the search ranks candidates on it) and held-out (the search never sees it; only
 * the winner is measured on it, and the written recipe verifies on it).
 *
 * <p>Sizes: calibration a fifth of the samples (at most {@value #MAX_CALIBRATION}), selection two fifths (at
 * most {@value #MAX_SELECTION}: every candidate runs on it, so it sets the cost of the search), held-out the
 * rest (at least two fifths). The layout depends on the sample count only, so the same data always splits
 * the same way.
 */
public record DataSplit(int total, int calibrationCount, int selectionCount, int heldOutCount) {
    public static final int MAX_CALIBRATION = 2048;
    public static final int MAX_SELECTION = 2500;
    public static final int MIN_SAMPLES = 5;

    public DataSplit {
        if (calibrationCount < 1 || selectionCount < 1 || heldOutCount < 1
                || calibrationCount + selectionCount + heldOutCount != total) {
            throw new IllegalArgumentException("bad split " + calibrationCount + "/" + selectionCount + "/"
                    + heldOutCount + " of " + total);
        }
    }

    public static DataSplit of(int total) {
        if (total < MIN_SAMPLES) {
            throw new UserException("--data holds " + total + " samples; tune needs at least " + MIN_SAMPLES
                    + " to keep calibration, selection and held-out samples apart (a few hundred or more for"
                    + " figures worth trusting)");
        }
        int calibration = Math.max(1, Math.min(MAX_CALIBRATION, total / 5));
        int selection = Math.max(1, Math.min(MAX_SELECTION, (total * 2) / 5));
        int heldOut = total - calibration - selection;
        return new DataSplit(total, calibration, selection, heldOut);
    }

    public int calibrationSkip() {
        return 0;
    }

    public int selectionSkip() {
        return calibrationCount;
    }

    public int heldOutSkip() {
        return calibrationCount + selectionCount;
    }
}
