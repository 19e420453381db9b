package dev.onnxpress.passes.prune.channels;

import dev.onnxpress.ir.Node;
import java.util.ArrayList;
import java.util.List;

/**
 * One set of channels that must be pruned together: the output channels of one or more producers
 * (Conv, ConvTranspose, Gemm, MatMul) tied by element-wise ops (residual Add, SE Mul…), plus the
 * depthwise Convs that follow them. A union-find node: {@link #find()} gives the representative.
 */
final class ChannelSpace {
    final int size;
    final List<Node> producers = new ArrayList<>();
    private ChannelSpace parent = this;
    private String blocked = "";
    private boolean[] keep;

    ChannelSpace(int size) {
        this.size = size;
    }

    ChannelSpace find() {
        ChannelSpace s = this;
        while (s.parent != s) {
            s.parent = s.parent.parent;
            s = s.parent;
        }
        return s;
    }

    boolean isRoot() {
        return parent == this;
    }

    /** Marks the space unprunable; the first reason wins (it names the cause, later ones are echoes). */
    void block(String reason) {
        ChannelSpace r = find();
        if (r.blocked.isEmpty()) {
            r.blocked = reason;
        }
    }

    String blockedReason() {
        return find().blocked;
    }

    /** Merges two spaces that must share one keep-set; spaces of different sizes cannot, and are blocked. */
    static void union(ChannelSpace a, ChannelSpace b, String where) {
        ChannelSpace ra = a.find();
        ChannelSpace rb = b.find();
        if (ra == rb) {
            return;
        }
        if (ra.size != rb.size) {
            ra.block(where + " joins " + ra.size + " and " + rb.size + " channels");
            rb.block(where + " joins " + ra.size + " and " + rb.size + " channels");
            return;
        }
        rb.parent = ra;
        ra.producers.addAll(rb.producers);
        if (ra.blocked.isEmpty()) {
            ra.blocked = rb.blocked;
        }
    }

    void setKeep(boolean[] k) {
        find().keep = k.clone();
    }

    boolean kept(int channel) {
        boolean[] k = find().keep;
        return k == null || k[channel];
    }

    int keptCount() {
        boolean[] k = find().keep;
        if (k == null) {
            return size;
        }
        int n = 0;
        for (boolean b : k) {
            n += b ? 1 : 0;
        }
        return n;
    }
}
