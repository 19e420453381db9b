package dev.onnxpress.data;

import dev.onnxpress.analysis.StaticShapes;
import dev.onnxpress.ir.Graph;
import dev.onnxpress.ir.Model;
import dev.onnxpress.ir.Node;
import dev.onnxpress.ir.Tensor;
import dev.onnxpress.ir.Value;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;

/**
 * Values random probes give an integer model input where the graph shows which values are valid: indices
 * of a Gather (an embedding lookup) stay within the size of the gathered axis; shape tensors get values
 * their consumer accepts (a Reshape target built from the data's element count, ones for Expand, Tile and
 * ConstantOfShape, Split sizes that add up to the split axis, Slice bounds that take the whole axis, K = 1).
 * Inputs the graph says nothing about keep the plain random values.
 */
public final class ProbeValues {
    /** Largest Slice end: past any axis, so the slice takes the axis whole. */
    private static final double SLICE_END = Integer.MAX_VALUE;

    /** What one input's values are, element by element within a sample. */
    public sealed interface Rule permits Range, Fixed {
        double value(int position, SplittableRandom random);
    }

    /** Uniform integers in [0, bound). */
    public record Range(long bound) implements Rule {
        @Override
        public double value(int position, SplittableRandom random) {
            return random.nextLong(bound);
        }
    }

    /** The same values in every sample, cycled if the sample is longer. */
    public record Fixed(double[] values) implements Rule {
        @Override
        public double value(int position, SplittableRandom random) {
            return values[position % values.length];
        }
    }

    private static final ProbeValues NONE = new ProbeValues(Map.of());

    private final Map<String, Rule> rules;

    private ProbeValues(Map<String, Rule> rules) {
        this.rules = Map.copyOf(rules);
    }

    /** No rules: every input gets the plain random values. */
    public static ProbeValues none() {
        return NONE;
    }

    public Optional<Rule> rule(String inputName) {
        return Optional.ofNullable(rules.get(inputName));
    }

    /** The rules the graph of {@code model} shows for its integer inputs. */
    public static ProbeValues of(Model model) {
        Graph g = model.graph();
        StaticShapes shapes = StaticShapes.infer(g, model.defaultOpset());
        Map<String, Rule> rules = new HashMap<>();
        for (Value in : g.realInputs()) {
            boolean integer = in.tensorType().map(t -> t.elemType().isInteger()).orElse(false);
            if (!integer) {
                continue;
            }
            Rule rule = null;
            for (Value.Use u : in.uses()) {
                Rule r = ruleFor(u.node(), u.inputIndex(), in, shapes);
                rule = narrower(rule, r);
            }
            if (rule != null) {
                rules.put(in.name(), rule);
            }
        }
        return new ProbeValues(rules);
    }

    private static Rule narrower(Rule a, Rule b) {
        if (a == null) {
            return b;
        }
        if (b == null) {
            return a;
        }
        if (a instanceof Range ra && b instanceof Range rb) {
            return ra.bound() <= rb.bound() ? ra : rb;
        }
        return a instanceof Fixed ? a : b; // a shape tensor's values are stricter than an index range
    }

    private static Rule ruleFor(Node n, int index, Value in, StaticShapes shapes) {
        if (!n.isStandard()) {
            return null;
        }
        int length = sampleLength(in);
        switch (n.opType()) {
            case "Gather", "GatherElements":
                if (index == 1) {
                    long size = axisSize(shapes, n.input(0), n.attrInt("axis", 0));
                    return size > 0 ? new Range(size) : null;
                }
                return null;
            case "Reshape":
                if (index == 1 && length > 0) {
                    double[] v = ones(length);
                    Optional<long[]> dims = shapes.knownDims(n.input(0));
                    v[0] = dims.isPresent() ? Tensor.elementCount(dims.get()) : -1;
                    return new Fixed(v);
                }
                return null;
            case "Expand", "Tile":
                return index == 1 && length > 0 ? new Fixed(ones(length)) : null;
            case "ConstantOfShape":
                return length > 0 ? new Fixed(ones(length)) : null;
            case "TopK":
                return index == 1 ? new Fixed(new double[] {1}) : null;
            case "Split":
                if (index == 1 && length > 0) {
                    long size = axisSize(shapes, n.input(0), n.attrInt("axis", 0));
                    if (size >= length) {
                        double[] v = new double[length];
                        for (int i = 0; i < length; i++) {
                            v[i] = size / length + (i == length - 1 ? size % length : 0);
                        }
                        return new Fixed(v);
                    }
                }
                return null;
            case "Slice":
                if (length <= 0) {
                    return null;
                }
                double[] v = new double[length];
                for (int i = 0; i < length; i++) {
                    v[i] = switch (index) {
                        case 1 -> 0;
                        case 2 -> SLICE_END;
                        case 3 -> i;
                        default -> 1;
                    };
                }
                return index >= 1 && index <= 4 ? new Fixed(v) : null;
            default:
                return null;
        }
    }

    /** The static element count of one sample of a rank-1 input, or -1. */
    private static int sampleLength(Value in) {
        return in.tensorType().flatMap(t -> t.shape()).filter(s -> s.size() == 1)
                .map(s -> s.get(0) instanceof dev.onnxpress.ir.Dim.Known k ? (int) k.size() : -1).orElse(-1);
    }

    private static long axisSize(StaticShapes shapes, Value data, long axis) {
        Optional<long[]> dims = shapes.dims(data);
        if (dims.isEmpty()) {
            return -1;
        }
        long[] d = dims.get();
        int a = (int) (axis < 0 ? axis + d.length : axis);
        return a >= 0 && a < d.length ? d[a] : -1;
    }

    private static double[] ones(int n) {
        double[] v = new double[n];
        java.util.Arrays.fill(v, 1);
        return v;
    }
}
