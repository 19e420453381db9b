package dev.onnxpress.cli;

import dev.onnxpress.ir.Model;
import dev.onnxpress.ir.ModelReader;
import dev.onnxpress.ir.ModelWriter;
import java.nio.file.Path;
import java.util.Locale;
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
 * be IN or one of its data files, and the output's data files may not replace the input's ({@link RunOutputs});
 * with --per-tensor, no existing file is replaced unless --force. Output files
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

    @Option(names = "--force", description = "With --per-tensor: replace existing files of the same names"
            + " (never the input's own files).")
    boolean force;

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
        RunOutputs files = new RunOutputs().input(in, "the input model")
                .output(RunOutputs.rawPositional(spec, 1), out, "output");
        if (layout.perTensor && !force) {
            files.refuseReplacingExistingDataFiles("give another folder, or --force to replace it");
        }
        files.check();
        Model model = ModelReader.read(in);
        files.inputRead(model);
        ModelWriter.Options options;
        if (placement.inline) {
            options = ModelWriter.Options.inline();
        } else if (placement.external || thresholdGiven || layout.perTensor) {
            options = ModelWriter.Options.external(threshold, !layout.perTensor);
        } else {
            options = new ModelWriter.Options(ModelWriter.ExternalMode.AUTO, threshold, true);
        }
        ModelWriter.Written written = ModelWriter.write(model, out, options, files.guard());
        spec.commandLine().getOut().println("wrote " + out + (written.dataFiles().isEmpty() ? ""
                : " and " + written.dataFiles().size() + " external data file"
                + (written.dataFiles().size() == 1 ? "" : "s")) + ", "
                + String.format(Locale.ROOT, "%,d", written.totalBytes()) + " bytes");
        return 0;
    }
}
