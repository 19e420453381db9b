package dev.onnxpress.passes.quant;

/**
 * Maps flat element indices of a tensor to the index along one axis (its "channel"), so per-channel
 * statistics can be computed in one sweep over the raw data.
 */
public record AxisChannels(int channels, long inner) {

    public static AxisChannels of(long[] dims, int axis) {
        long inner = 1;
        for (int i = axis + 1; i < dims.length; i++) {
            inner *= dims[i];
        }
        return new AxisChannels((int) dims[axis], inner);
    }

    /** One channel spanning the whole tensor (per-tensor quantization). */
    public static AxisChannels whole() {
        return new AxisChannels(1, Long.MAX_VALUE);
    }

    public int channelOf(long flatIndex) {
        return channels == 1 ? 0 : (int) ((flatIndex / inner) % channels);
    }
}
