package dev.onnxpress.bind;

import dev.onnxpress.data.DataSet;
import dev.onnxpress.data.DataSets;
import dev.onnxpress.data.Preprocess;
import dev.onnxpress.dsl.Arg;
import dev.onnxpress.dsl.DataDecl;
import dev.onnxpress.dsl.RecipePrinter;
import dev.onnxpress.dsl.SourceLocation;
import dev.onnxpress.passes.Param;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.function.Supplier;

/**
 * The data set kinds a recipe can declare. Each kind's arguments are an options record bound like a
 * pass's; file paths are relative to the recipe's folder and must exist at bind time.
 */
final class DataKinds {
    private DataKinds() {
    }

    static final List<String> KINDS = List.of("idx", "npy", "onnx_test_data", "random");

    record IdxArgs(
            @Param(doc = "IDX file of samples (gzip or raw), e.g. t10k-images-idx3-ubyte.gz") String images,
            @Param(doc = "IDX file of labels, one per sample") Optional<String> labels,
            @Param(doc = "multiplies every value first (1/255 maps bytes to [0,1])", dflt = "1") double scale,
            @Param(doc = "subtracted after scaling", dflt = "0") double mean,
            @Param(doc = "divides after subtracting the mean", dflt = "1") double std,
            @Param(doc = "leave out the first N samples (with count, a slice: skip=2000, count=3000)", dflt = "0",
                    min = 0) int skip,
            @Param(doc = "use only the first N samples (after skip)", min = 1) Optional<Integer> count) {
    }

    record NpyArgs(
            @Param(doc = ".npy array of samples, first dimension counts them") String path,
            @Param(doc = ".npy or IDX file of labels") Optional<String> labels,
            @Param(doc = "multiplies every value first", dflt = "1") double scale,
            @Param(doc = "subtracted after scaling", dflt = "0") double mean,
            @Param(doc = "divides after subtracting the mean", dflt = "1") double std,
            @Param(doc = "leave out the first N samples (with count, a slice: skip=2000, count=3000)", dflt = "0",
                    min = 0) int skip,
            @Param(doc = "use only the first N samples (after skip)", min = 1) Optional<Integer> count) {
    }

    record TestDataArgs(
            @Param(doc = "folder of input_N.pb / output_N.pb files (ONNX model zoo test_data_set_N)") String dir) {
    }

    record RandomArgs(
            @Param(doc = "number of samples", dflt = "8", min = 1) int count,
            @Param(doc = "seed of the generator", dflt = "0") long seed,
            @Param(doc = "sizes of symbolic dimensions, as \"name=N\"", dflt = "[]") List<String> dims) {
        RandomArgs {
            dims = List.copyOf(dims);
        }
    }

    static DataDeclaration bind(DataDecl d, Optional<Path> folder, Scope scope) {
        String owner = "data " + d.kind() + "(…)";
        SourceLocation at = d.location();
        String text = RecipePrinter.print(d);
        switch (d.kind()) {
            case "idx" -> {
                IdxArgs a = OptionsBinder.bind(IdxArgs.class, owner, d.args(), at, scope).options();
                Path images = existing(d, "images", a.images(), folder, false);
                Optional<Path> labels = a.labels().map(l -> existing(d, "labels", l, folder, false));
                Preprocess pre = preprocess(d, a.scale(), a.mean(), a.std());
                OptionalInt count = a.count().map(OptionalInt::of).orElse(OptionalInt.empty());
                return declaration(d, text, labels.isPresent(),
                        () -> DataSets.idx(d.name(), images, labels, pre, a.skip(), count));
            }
            case "npy" -> {
                NpyArgs a = OptionsBinder.bind(NpyArgs.class, owner, d.args(), at, scope).options();
                Path path = existing(d, "path", a.path(), folder, false);
                Optional<Path> labels = a.labels().map(l -> existing(d, "labels", l, folder, false));
                Preprocess pre = preprocess(d, a.scale(), a.mean(), a.std());
                OptionalInt count = a.count().map(OptionalInt::of).orElse(OptionalInt.empty());
                return declaration(d, text, labels.isPresent(),
                        () -> DataSets.npy(d.name(), path, labels, pre, a.skip(), count));
            }
            case "onnx_test_data" -> {
                TestDataArgs a = OptionsBinder.bind(TestDataArgs.class, owner, d.args(), at, scope).options();
                Path dir = existing(d, "dir", a.dir(), folder, true);
                return declaration(d, text, false, () -> DataSets.onnxTestData(d.name(), dir));
            }
            case "random" -> {
                RandomArgs a = OptionsBinder.bind(RandomArgs.class, owner, d.args(), at, scope).options();
                Map<String, Long> dims = new LinkedHashMap<>();
                for (String s : a.dims()) {
                    int eq = s.lastIndexOf('=');
                    Long v = null;
                    if (eq > 0) {
                        try {
                            v = Long.parseLong(s.substring(eq + 1).trim());
                        } catch (NumberFormatException e) {
                            v = null;
                        }
                    }
                    if (v == null || v < 1) {
                        throw new BindException(argLocation(d, "dims"), "data '" + d.name() + "': dims entry \"" + s
                                + "\" is not of the form \"name=N\" with N ≥ 1");
                    }
                    dims.put(s.substring(0, eq).trim(), v);
                }
                return new DataDeclaration(d.name(), d.kind(), text, false, d.location(),
                        () -> DataSets.random(d.name(), a.count(), a.seed(), dims), dims);
            }
            default -> throw new BindException(at, "unknown data kind '" + d.kind() + "'"
                    + DidYouMean.suffix(d.kind(), KINDS) + " (kinds: " + String.join(", ", KINDS) + ")");
        }
    }

    private static DataDeclaration declaration(DataDecl d, String text, boolean labelled, Supplier<DataSet> loader) {
        return new DataDeclaration(d.name(), d.kind(), text, labelled, d.location(), loader);
    }

    private static Preprocess preprocess(DataDecl d, double scale, double mean, double std) {
        if (std == 0 || !Double.isFinite(scale) || !Double.isFinite(mean) || !Double.isFinite(std)) {
            throw new BindException(argLocation(d, "std"), "data '" + d.name() + "': std must be a non-zero number");
        }
        return new Preprocess(scale, mean, std);
    }

    private static Path existing(DataDecl d, String param, String file, Optional<Path> folder, boolean dir) {
        Path p = folder.map(f -> f.resolve(file)).orElse(Path.of(file)).toAbsolutePath().normalize();
        SourceLocation at = argLocation(d, param);
        if (!Files.exists(p)) {
            throw new BindException(at, "data '" + d.name() + "': " + (dir ? "folder" : "file") + " not found: " + p);
        }
        if (dir && !Files.isDirectory(p)) {
            throw new BindException(at, "data '" + d.name() + "': " + p + " is not a folder");
        }
        if (!dir && !Files.isRegularFile(p)) {
            throw new BindException(at, "data '" + d.name() + "': " + p + " is not a file");
        }
        return p;
    }

    private static SourceLocation argLocation(DataDecl d, String param) {
        return d.args().stream().filter(a -> a.name().filter(param::equals).isPresent()).map(Arg::location)
                .findFirst().orElseGet(() -> d.args().isEmpty() ? d.location() : d.args().get(0).location());
    }
}
