package dev.onnxpress.tune;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The per-layer choices of the size search: the sparsity of every prunable layer (0: left dense) and the
 * sharing width of every layer given its own (others get the quantizer's width). Immutable; the map order is
 * the order the prune steps are written in.
 */
record SizePlan(Map<String, Double> sparsity, Map<String, Integer> bits) {
    SizePlan {
        sparsity = Collections.unmodifiableMap(new LinkedHashMap<>(sparsity));
        bits = Collections.unmodifiableMap(new LinkedHashMap<>(bits));
    }

    double sparsityOf(String layer) {
        return sparsity.getOrDefault(layer, 0.0);
    }

    int bitsOf(String layer, int dflt) {
        return bits.getOrDefault(layer, dflt);
    }

    SizePlan withSparsity(String layer, double value) {
        Map<String, Double> s = new LinkedHashMap<>(sparsity);
        s.put(layer, value);
        return new SizePlan(s, bits);
    }

    SizePlan withBits(String layer, int value) {
        Map<String, Integer> b = new LinkedHashMap<>(bits);
        b.put(layer, value);
        return new SizePlan(sparsity, b);
    }
}
