package dev.onnxpress.data;

import dev.onnxpress.error.UserException;
import dev.onnxpress.ir.Tensor;
import dev.onnxpress.ort.IoInfo;
import dev.onnxpress.ort.TensorProtos;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * ONNX model-zoo test data: a folder with {@code input_0.pb, input_1.pb …} and {@code output_0.pb …}
 * (one serialized TensorProto each), or a folder of such {@code test_data_set_N} folders. Each set is
 * one run. Its tensors map to the model's inputs by name when the tensor's name is one of them,
 * otherwise by index; outputs likewise become the run's reference outputs.
 */
final class TestDataSet implements DataSet {
    private static final Pattern SET_DIR = Pattern.compile("test_data_set_(\\d+)");

    private final String name;
    private final List<Case> cases;

    /** One set: tensors in file order, with the file names for messages. */
    private record Case(Path dir, List<Tensor> inputs, List<Tensor> outputs) {
    }

    private TestDataSet(String name, List<Case> cases) {
        this.name = name;
        this.cases = List.copyOf(cases);
    }

    static TestDataSet load(String name, Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new UserException("data '" + name + "': test data folder not found: " + dir);
        }
        List<Case> cases = new ArrayList<>();
        if (Files.exists(dir.resolve("input_0.pb"))) {
            cases.add(loadCase(name, dir));
        } else {
            List<Path> sets = new ArrayList<>();
            try (Stream<Path> list = Files.list(dir)) {
                list.filter(p -> Files.isDirectory(p) && SET_DIR.matcher(p.getFileName().toString()).matches())
                        .forEach(sets::add);
            } catch (IOException e) {
                throw new UserException("data '" + name + "': cannot list " + dir + ": " + e.getMessage());
            }
            sets.sort(Comparator.comparingLong(TestDataSet::setNumber));
            for (Path set : sets) {
                cases.add(loadCase(name, set));
            }
        }
        if (cases.isEmpty()) {
            throw new UserException("data '" + name + "': " + dir + " holds neither input_0.pb nor test_data_set_* folders");
        }
        return new TestDataSet(name, cases);
    }

    private static long setNumber(Path p) {
        Matcher m = SET_DIR.matcher(p.getFileName().toString());
        return m.matches() ? Long.parseLong(m.group(1)) : Long.MAX_VALUE;
    }

    private static Case loadCase(String name, Path dir) {
        List<Tensor> inputs = readSeries(name, dir, "input_");
        if (inputs.isEmpty()) {
            throw new UserException("data '" + name + "': no input_0.pb in " + dir);
        }
        return new Case(dir, inputs, readSeries(name, dir, "output_"));
    }

    private static List<Tensor> readSeries(String name, Path dir, String prefix) {
        List<Tensor> out = new ArrayList<>();
        for (int i = 0; Files.exists(dir.resolve(prefix + i + ".pb")); i++) {
            try {
                out.add(TensorProtos.read(dir.resolve(prefix + i + ".pb")));
            } catch (UserException e) {
                throw new UserException("data '" + name + "': " + e.getMessage());
            }
        }
        return out;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public int size() {
        return cases.size();
    }

    @Override
    public Optional<int[]> labels() {
        return Optional.empty();
    }

    @Override
    public boolean hasReferenceOutputs() {
        return cases.stream().anyMatch(c -> !c.outputs.isEmpty());
    }

    /** Each set is one batch as stored: the batch size and the chosen input do not apply. */
    @Override
    public List<Batch> batches(ModelSignature model, String inputName, int batchSize) {
        List<Batch> out = new ArrayList<>(cases.size());
        for (int i = 0; i < cases.size(); i++) {
            Case c = cases.get(i);
            Map<String, Tensor> feeds = assign(c, c.inputs, model.inputs(), "input", true);
            Map<String, Tensor> refs = assign(c, c.outputs, model.outputs(), "output", false);
            out.add(new Batch(feeds, i, 1, Optional.empty(), refs));
        }
        return out;
    }

    private Map<String, Tensor> assign(Case c, List<Tensor> tensors, List<IoInfo> slots, String kind, boolean all) {
        Set<String> slotNames = new HashSet<>();
        slots.forEach(s -> slotNames.add(s.name()));
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (int i = 0; i < tensors.size(); i++) {
            Tensor t = tensors.get(i);
            String file = c.dir.resolve(kind + "_" + i + ".pb").toString();
            IoInfo slot;
            if (slotNames.contains(t.name())) {
                slot = slots.stream().filter(s -> s.name().equals(t.name())).findFirst().orElseThrow();
            } else if (i < slots.size()) {
                slot = slots.get(i);
            } else {
                throw new UserException("data '" + name + "': " + file + " has no matching model " + kind + " (the model has "
                        + slots.size() + " " + kind + (slots.size() == 1 ? "" : "s") + ")");
            }
            if (out.containsKey(slot.name())) {
                throw new UserException("data '" + name + "': two " + kind + " files for model " + kind + " '" + slot.name() + "'");
            }
            if (!fits(slot, t)) {
                throw new UserException("data '" + name + "': " + file + " is " + t.dataType().displayName() + " "
                        + IoInfo.dimsText(t.dims()) + " but model " + kind + " '" + slot.name() + "' expects " + slot.describe());
            }
            out.put(slot.name(), t.withName(slot.name()));
        }
        if (all) {
            for (IoInfo s : slots) {
                if (!out.containsKey(s.name())) {
                    throw new UserException("data '" + name + "': " + c.dir + " has no tensor for model " + kind + " '"
                            + s.name() + "'");
                }
            }
        }
        return out;
    }

    private static boolean fits(IoInfo slot, Tensor t) {
        if (t.dataType() != slot.type() || t.rank() != slot.rank()) {
            return false;
        }
        long[] shape = slot.shape();
        for (int i = 0; i < shape.length; i++) {
            if (shape[i] >= 0 && shape[i] != t.dim(i)) {
                return false;
            }
        }
        return true;
    }
}
