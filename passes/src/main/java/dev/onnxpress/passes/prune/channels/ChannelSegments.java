package dev.onnxpress.passes.prune.channels;

import java.util.ArrayList;
import java.util.List;

/**
 * How the channels of one tensor map onto {@link ChannelSpace}s: along {@code axis}, the tensor's
 * channels are the concatenation of {@code segs} (a Concat output has one segment per input, a Split
 * output a sub-range). After a Flatten, each channel spans {@code inner} consecutive features
 * (feature index = channel × inner + spatial position).
 */
record ChannelSegments(List<Seg> segs, int axis, int inner) {
    ChannelSegments {
        segs = List.copyOf(segs);
    }

    /** Channels {@code from} (inclusive) to {@code to} (exclusive) of a space. */
    record Seg(ChannelSpace space, int from, int to) {
        int length() {
            return to - from;
        }

        boolean whole() {
            return from == 0 && to == space.size;
        }
    }

    static ChannelSegments of(ChannelSpace s, int axis) {
        return new ChannelSegments(List.of(new Seg(s, 0, s.size)), axis, 1);
    }

    ChannelSegments withAxis(int newAxis) {
        return new ChannelSegments(segs, newAxis, inner);
    }

    int channels() {
        int n = 0;
        for (Seg s : segs) {
            n += s.length();
        }
        return n;
    }

    int keptChannels() {
        int n = 0;
        for (Seg s : segs) {
            for (int c = s.from; c < s.to; c++) {
                n += s.space.kept(c) ? 1 : 0;
            }
        }
        return n;
    }

    boolean changed() {
        return keptChannels() != channels();
    }

    /** Indices (into this tensor's channels) that survive. */
    int[] keptIndices() {
        int[] out = new int[keptChannels()];
        int k = 0;
        int base = 0;
        for (Seg s : segs) {
            for (int c = s.from; c < s.to; c++) {
                if (s.space.kept(c)) {
                    out[k++] = base + c - s.from;
                }
            }
            base += s.length();
        }
        return out;
    }

    /** Indices of surviving features: each kept channel's {@code inner} consecutive features. */
    int[] keptFeatures() {
        int[] ch = keptIndices();
        int[] out = new int[ch.length * inner];
        for (int i = 0; i < ch.length; i++) {
            for (int j = 0; j < inner; j++) {
                out[i * inner + j] = ch[i] * inner + j;
            }
        }
        return out;
    }

    /** How many of the channels before {@code channel} survive (maps Slice/Split offsets). */
    int keptBefore(int channel) {
        int n = 0;
        int base = 0;
        for (Seg s : segs) {
            for (int c = s.from; c < s.to && base + c - s.from < channel; c++) {
                n += s.space.kept(c) ? 1 : 0;
            }
            base += s.length();
        }
        return n;
    }

    /** The layout of channels {@code from} to {@code to} of this one (Split, Slice). */
    ChannelSegments range(int from, int to) {
        List<Seg> out = new ArrayList<>();
        int base = 0;
        for (Seg s : segs) {
            int lo = Math.max(from, base);
            int hi = Math.min(to, base + s.length());
            if (lo < hi) {
                out.add(new Seg(s.space, s.from + lo - base, s.from + hi - base));
            }
            base += s.length();
        }
        return new ChannelSegments(out, axis, inner);
    }

    static ChannelSegments concat(List<ChannelSegments> parts, int axis) {
        List<Seg> out = new ArrayList<>();
        for (ChannelSegments p : parts) {
            out.addAll(p.segs);
        }
        return new ChannelSegments(out, axis, 1);
    }

    void block(String reason) {
        for (Seg s : segs) {
            s.space.block(reason);
        }
    }
}
