package dev.onnxpress.tune;

import dev.onnxpress.data.DataSet;
import dev.onnxpress.data.DataSets;
import dev.onnxpress.data.Preprocess;
import dev.onnxpress.dsl.RecipePrinter;
import dev.onnxpress.error.UserException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * The {@code --data} (and {@code --labels}) files of {@code tune} and how recipes declare slices of them:
 * {@code idx(…)} for IDX files, {@code npy(…)} for .npy arrays.
 */
public record DataSource(Path samples, Optional<Path> labels, double scale, boolean npy) {

    public static DataSource of(Path samples, Optional<Path> labels, double scale) {
        if (!Files.isRegularFile(samples)) {
            throw new UserException("--data file not found: " + samples);
        }
        labels.ifPresent(l -> {
            if (!Files.isRegularFile(l)) {
                throw new UserException("--labels file not found: " + l);
            }
        });
        if (!(scale > 0) || !Double.isFinite(scale)) {
            throw new UserException("--scale must be a positive number, not " + scale);
        }
        boolean npy;
        try (java.io.InputStream in = Files.newInputStream(samples)) {
            byte[] head = in.readNBytes(2);
            npy = head.length == 2 && (head[0] & 0xff) == 0x93 && head[1] == 'N';
        } catch (java.io.IOException e) {
            throw new UserException("cannot read --data file " + samples + ": " + e.getMessage(), e);
        }
        return new DataSource(samples.toAbsolutePath().normalize(),
                labels.map(l -> l.toAbsolutePath().normalize()), scale, npy);
    }

    /** Loads the whole file once, to count the samples and check that labels match. */
    public DataSet load() {
        Preprocess pre = new Preprocess(scale, 0, 1);
        return npy ? DataSets.npy("data", samples, labels, pre, OptionalInt.empty())
                : DataSets.idx("data", samples, labels, pre, OptionalInt.empty());
    }

    /**
     * {@code data NAME = idx(images="…", labels="…", scale=…, skip=…, count=…)}, paths relative to
     * {@code folder} when it is given.
     */
    public String declaration(String name, boolean withLabels, int skip, int count, Optional<Path> folder) {
        StringBuilder sb = new StringBuilder("data ").append(name).append(" = ").append(npy ? "npy(path=" : "idx(images=");
        sb.append(RecipePrinter.quote(path(samples, folder)));
        if (withLabels && labels.isPresent()) {
            sb.append(", labels=").append(RecipePrinter.quote(path(labels.get(), folder)));
        }
        if (scale != 1) {
            sb.append(", scale=").append(scaleText(scale));
        }
        if (skip > 0) {
            sb.append(", skip=").append(skip);
        }
        sb.append(", count=").append(count).append(')');
        return sb.toString();
    }

    /** {@code 1/255} for the reciprocal of a whole number, else the shortest decimal. */
    static String scaleText(double scale) {
        double inv = 1 / scale;
        long r = Math.round(inv);
        if (r > 1 && Math.abs(inv - r) < 1e-6 * r) {
            return "1/" + r;
        }
        return Double.toString(scale);
    }

    private static String path(Path p, Optional<Path> folder) {
        if (folder.isPresent()) {
            Path f = folder.get().toAbsolutePath().normalize();
            try {
                if (f.getRoot() != null && f.getRoot().equals(p.getRoot())) {
                    return f.relativize(p).toString().replace('\\', '/');
                }
            } catch (IllegalArgumentException e) {
                // different roots: keep it absolute
            }
        }
        return p.toString();
    }
}
