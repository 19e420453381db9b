package dev.onnxpress.bind;

import dev.onnxpress.data.DataSet;
import dev.onnxpress.dsl.SourceLocation;
import dev.onnxpress.error.UserException;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * A bound {@code data NAME = kind(args)}: its files were found at bind time; {@link #load()} reads them
 * (once) when the pipeline needs the samples. Problems while reading carry the declaration's location.
 */
public final class DataDeclaration {
    private final String name;
    private final String kind;
    private final String text;
    private final boolean labelled;
    private final SourceLocation location;
    private final Supplier<DataSet> loader;
    private final Map<String, Long> dims;
    private DataSet loaded;
    private java.util.List<java.nio.file.Path> files = java.util.List.of();

    public DataDeclaration(String name, String kind, String text, boolean labelled, SourceLocation location,
                           Supplier<DataSet> loader) {
        this(name, kind, text, labelled, location, loader, Map.of());
    }

    /** @param dims sizes the declaration gives to symbolic input dimensions ({@code random(dims=…)}) */
    public DataDeclaration(String name, String kind, String text, boolean labelled, SourceLocation location,
                           Supplier<DataSet> loader, Map<String, Long> dims) {
        this.dims = Map.copyOf(dims);
        this.name = Objects.requireNonNull(name);
        this.kind = Objects.requireNonNull(kind);
        this.text = Objects.requireNonNull(text);
        this.labelled = labelled;
        this.location = Objects.requireNonNull(location);
        this.loader = Objects.requireNonNull(loader);
    }

    public String name() {
        return name;
    }

    public String kind() {
        return kind;
    }

    /** Canonical declaration text, {@code data test = idx(images="…", scale=1/255)}. */
    public String text() {
        return text;
    }

    /** True when the declaration names labels (accuracy can be measured). */
    public boolean labelled() {
        return labelled;
    }

    public SourceLocation location() {
        return location;
    }

    /** The files (or folder) the declaration reads, resolved; empty for generated data. */
    public java.util.List<java.nio.file.Path> files() {
        return files;
    }

    DataDeclaration withFiles(java.util.List<java.nio.file.Path> read) {
        this.files = java.util.List.copyOf(read);
        return this;
    }

    /** Sizes this declaration gives to symbolic input dimensions, by dim name; empty for file data. */
    public Map<String, Long> dims() {
        return dims;
    }

    /** Reads the files the first time; every error is one line starting with the declaration's location. */
    public synchronized DataSet load() {
        if (loaded == null) {
            try {
                loaded = loader.get();
            } catch (UserException e) {
                throw new UserException(location + ": " + e.getMessage(), e);
            }
        }
        return loaded;
    }
}
