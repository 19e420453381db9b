package dev.onnxpress.cli;

import dev.onnxpress.error.UserException;
import dev.onnxpress.ir.Attr;
import dev.onnxpress.ir.Graph;
import dev.onnxpress.ir.Model;
import dev.onnxpress.ir.ModelReader;
import dev.onnxpress.ir.ModelWriter;
import dev.onnxpress.ir.Node;
import dev.onnxpress.ir.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code onnxpress copy IN OUT}: read a model and write it back without changes, which is how a model
 * moves between inline and external data. The input (model and data files) is never written: OUT may not
 * be IN or one of its data files, and the output's data files may not replace the input's. Output files
 * appear only when complete ({@link ModelWriter} writes temporary files and moves them into place).
 */
@Command(name = "copy", sortOptions = false,
        description = {"Read a model and write it back unchanged. By default tensors stay where they are",
                "(inline or external data); --external-data moves large tensors out, --inline moves all in."})
final class CopyCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "IN", description = "The model to read.")
    Path in;

    @Parameters(index = "1", paramLabel = "OUT", description = "Where to write the copy (not IN).")
    Path out;

    @ArgGroup(exclusive = true)
    Placement placement = new Placement();

    static final class Placement {
        @Option(names = "--external-data", description = "Put tensors of at least --external-threshold bytes in"
                + " external data files beside OUT.")
        boolean external;

        @Option(names = "--inline", description = "Put every tensor inside OUT (at most 2 GB in all).")
        boolean inline;
    }

    @Option(names = "--external-threshold", paramLabel = "BYTES", defaultValue = "1024",
            description = "Smallest tensor moved to external data (default ${DEFAULT-VALUE}); implies --external-data.")
    long threshold;

    @ArgGroup(exclusive = true)
    Layout layout = new Layout();

    static final class Layout {
        @Option(names = "--single-file", description = "All external data in one file OUT.data (default).")
        boolean single;

        @Option(names = "--per-tensor", description = "One external data file per tensor, named after it;"
                + " implies --external-data.")
        boolean perTensor;
    }

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        boolean thresholdGiven = spec.commandLine().getParseResult().hasMatchedOption("--external-threshold");
        if (placement.inline && (thresholdGiven || layout.perTensor || layout.single)) {
            throw new ParameterException(spec.commandLine(),
                    "--inline cannot be combined with --external-threshold, --single-file or --per-tensor");
        }
        if (threshold < 0) {
            throw new ParameterException(spec.commandLine(), "--external-threshold must be at least 0, not " + threshold);
        }
        refuseWritingTheInput();
        Model model = ModelReader.read(in);
        refuseReplacingInputData(model);
        ModelWriter.Options options;
        if (placement.inline) {
            options = ModelWriter.Options.inline();
        } else if (placement.external || thresholdGiven || layout.perTensor) {
            options = ModelWriter.Options.external(threshold, !layout.perTensor);
        } else {
            options = new ModelWriter.Options(ModelWriter.ExternalMode.AUTO, threshold, true);
        }
        ModelWriter.Written written = ModelWriter.write(model, out, options);
        spec.commandLine().getOut().println("wrote " + out + (written.dataFiles().isEmpty() ? ""
                : " and " + written.dataFiles().size() + " external data file"
                + (written.dataFiles().size() == 1 ? "" : "s")) + ", "
                + String.format(Locale.ROOT, "%,d", written.totalBytes()) + " bytes");
        return 0;
    }

    private void refuseWritingTheInput() {
        if (Files.exists(out) && Files.exists(in)) {
            try {
                if (Files.isSameFile(in, out)) {
                    throw new UserException(out + ": is the input model; write the copy to another file");
                }
            } catch (IOException e) {
                throw new UserException(out + ": cannot compare with " + in + " (" + e.getMessage() + ")");
            }
        }
    }

    /** OUT, OUT.data and per-tensor files next to OUT must not be data files the input reads. */
    private void refuseReplacingInputData(Model model) {
        Set<Path> inputData = new HashSet<>();
        for (Graph g : model.graph().allGraphs()) {
            for (Tensor t : g.initializers().values()) {
                t.externalLocation().ifPresent(l -> inputData.add(real(l.file())));
            }
            for (Node n : g.nodes()) {
                for (Attr a : n.attrs().values()) {
                    if (a.kind() == Attr.Kind.TENSOR) {
                        a.t().externalLocation().ifPresent(l -> inputData.add(real(l.file())));
                    }
                }
            }
        }
        if (inputData.isEmpty()) {
            return;
        }
        // the writer moves its files into place, replacing a symlink rather than writing through it,
        // so what matters is the file at the path itself: the folder resolved, the name not
        Path folder = real(out.toAbsolutePath().getParent());
        for (Path candidate : new Path[] {folder.resolve(out.getFileName()),
                folder.resolve(out.getFileName() + ".data")}) {
            if (inputData.contains(candidate)) {
                throw new UserException(out + ": writing here would replace " + candidate.getFileName()
                        + ", an external data file of the input model; choose another name or folder");
            }
        }
        if (layout.perTensor && inputData.stream().anyMatch(p -> folder.equals(p.getParent()))) {
            throw new UserException(out + ": --per-tensor output would share the folder of the input's external"
                    + " data files and could replace them; write to another folder");
        }
    }

    /** The real path where the file exists (symlinks resolved), else the normalized absolute path. */
    private static Path real(Path p) {
        try {
            if (Files.exists(p)) {
                return p.toRealPath();
            }
            Path parent = p.toAbsolutePath().getParent();
            if (parent != null && Files.exists(parent)) {
                return parent.toRealPath().resolve(p.getFileName());
            }
        } catch (IOException e) {
            // fall through: compare by the normalized path
        }
        return p.toAbsolutePath().normalize();
    }
}
