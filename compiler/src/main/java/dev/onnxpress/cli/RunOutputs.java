package dev.onnxpress.cli;

import dev.onnxpress.error.Shown;
import dev.onnxpress.error.UserException;
import dev.onnxpress.ir.AtomicFiles;
import dev.onnxpress.ir.FileIdentity;
import dev.onnxpress.ir.Model;
import dev.onnxpress.ir.ModelWriter;
import dev.onnxpress.pipeline.OutputPolicy;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * The files one command reads and the files it may write, and the rules between them: no output may be an
 * input (the model, its external data files, the recipe, data files), no two outputs may be the same file,
 * and an output must be a plain file path: not a folder (nor a name ending in '/'), a symbolic link, a
 * device, FIFO or socket. Breaking a rule is a user error (exit 2, one line) before anything is written.
 *
 * <p>As an {@link OutputPolicy} it also sees the input model once read (its external data files become
 * inputs) and guards every file the model writer is about to create, including external data files whose
 * names are only known at write time; with {@code refuseExisting}, a data file may not replace any existing
 * file (copy --per-tensor without --force).
 */
final class RunOutputs implements OutputPolicy {
    private record Entry(Path path, String what, FileIdentity identity, String raw) {
        Entry(Path path, String what, FileIdentity identity) {
            this(path, what, identity, null);
        }
    }

    private final List<Entry> inputs = new ArrayList<>();
    private final List<Entry> outputs = new ArrayList<>();
    private boolean refuseExisting;
    private String forceHint = "";

    /** A file the command reads. */
    RunOutputs input(Path p, String what) {
        if (p != null) {
            inputs.add(new Entry(p, what, FileIdentity.of(p)));
        }
        return this;
    }

    /** A file the command writes; {@code raw} is the argument as typed (a trailing '/' is lost in a Path). */
    RunOutputs output(String raw, Path p, String what) {
        if (p != null) {
            outputs.add(new Entry(p, what, FileIdentity.of(p), raw == null ? p.toString() : raw));
        }
        return this;
    }

    /** Data files the writer creates may not replace existing files; {@code hint} says how to allow it. */
    RunOutputs refuseReplacingExistingDataFiles(String hint) {
        this.refuseExisting = true;
        this.forceHint = hint;
        return this;
    }

    /** The argument as the user typed it, or null when the option or positional was not given. */
    static String raw(CommandSpec spec, String optionName) {
        ArgSpec a = spec.commandLine().getParseResult().matchedOption(optionName);
        return a == null || a.originalStringValues().isEmpty() ? null
                : a.originalStringValues().get(a.originalStringValues().size() - 1);
    }

    static String rawPositional(CommandSpec spec, int index) {
        ArgSpec a = spec.commandLine().getParseResult().matchedPositional(index);
        return a == null || a.originalStringValues().isEmpty() ? null : a.originalStringValues().get(0);
    }

    /** Every output against every input and every other output. Also removes stale temporary files. */
    RunOutputs check() {
        for (int i = 0; i < outputs.size(); i++) {
            Entry o = outputs.get(i);
            for (Entry in : inputs) {
                if (o.identity().sameAs(in.identity())) {
                    throw new UserException(o.what() + " " + Shown.path(o.path()) + " is " + in.what() + " "
                            + Shown.path(in.path()) + "; onnxpress never writes a file it reads: choose another name");
                }
            }
            checkShape(o.raw(), o.path(), o.what());
            for (int j = 0; j < i; j++) {
                Entry other = outputs.get(j);
                if (o.identity().sameAs(other.identity())) {
                    throw new UserException(o.what() + " " + Shown.path(o.path()) + " is the same file as "
                            + other.what() + " " + Shown.path(other.path()) + "; give each output its own name");
                }
            }
        }
        Set<Path> folders = new LinkedHashSet<>();
        for (Entry o : outputs) {
            Path parent = o.path().toAbsolutePath().getParent();
            if (parent != null) {
                folders.add(parent);
            }
        }
        folders.forEach(AtomicFiles::removeStale);
        return this;
    }

    @Override
    public void inputRead(Model input) {
        for (Path source : input.sourceFiles()) {
            boolean known = inputs.stream().anyMatch(e -> e.identity().sameAs(FileIdentity.of(source)));
            if (!known) {
                inputs.add(new Entry(source, "an external data file of the input model", FileIdentity.of(source)));
            }
        }
        check();
    }

    @Override
    public ModelWriter.TargetGuard guard() {
        return (target, dataFile) -> {
            FileIdentity id = FileIdentity.of(target);
            String what = dataFile ? "external data file" : "output model";
            for (Entry in : inputs) {
                if (id.sameAs(in.identity())) {
                    throw new UserException("the " + what + " " + Shown.path(target) + " would replace " + in.what()
                            + " " + Shown.path(in.path()) + "; onnxpress never writes a file it reads: write the"
                            + " output to another name or folder");
                }
            }
            if (!dataFile) {
                return;
            }
            checkShape(target.toString(), target, "external data file");
            for (Entry o : outputs) {
                if (id.sameAs(o.identity())) {
                    throw new UserException("the external data file " + Shown.path(target) + " would replace "
                            + o.what() + " " + Shown.path(o.path()) + "; give the outputs different names");
                }
            }
            if (refuseExisting && Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
                throw new UserException("the external data file " + Shown.path(target) + " already exists and this"
                        + " command did not create it; " + forceHint);
            }
        };
    }

    /** An output path must name a plain file (existing or not), not a folder, link or special file. */
    static void checkShape(String raw, Path p, String what) {
        if (raw.endsWith("/") || raw.endsWith(File.separator)) {
            throw new UserException(what + " " + Shown.text(raw) + " names a folder (it ends with '/'); give a file name");
        }
        BasicFileAttributes a;
        try {
            a = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (java.io.IOException | SecurityException e) {
            return; // does not exist (yet): fine
        }
        if (a.isSymbolicLink()) {
            throw new UserException(what + " " + Shown.path(p) + " is a symbolic link; onnxpress replaces files"
                    + " rather than writing through links: give the link's target or another name");
        }
        if (a.isDirectory()) {
            throw new UserException(what + " " + Shown.path(p) + " is a folder; give a file name");
        }
        if (!a.isRegularFile()) {
            throw new UserException(what + " " + Shown.path(p) + " is not a regular file (a device, FIFO or"
                    + " socket); give the path of a file");
        }
    }
}
