package dev.onnxpress.cli;

import dev.onnxpress.tune.Search;
import java.io.PrintWriter;
import java.util.function.Consumer;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Progress of {@code tune} on stderr: a bar (time used of the limit) with the best candidate so far when
 * stderr is a terminal, else one line per ten candidates.
 */
final class TuneProgress implements Consumer<Search>, AutoCloseable {
    private final PrintWriter err;
    private final boolean console;
    private ProgressBar bar;
    private int count;

    TuneProgress(PrintWriter err, boolean console) {
        this.err = err;
        this.console = console;
    }

    @Override
    public void accept(Search s) {
        count++;
        String best = s.bestText();
        if (console) {
            if (bar == null) {
                bar = new ProgressBarBuilder().setTaskName("tune").setInitialMax(Math.max(1, (long) s.limitSeconds()))
                        .setUnit(" s", 1).setStyle(ProgressBarStyle.ASCII)
                        .setConsumer(new ConsoleProgressBarConsumer(System.err)).build();
            }
            bar.stepTo(Math.min(bar.getMax(), (long) s.elapsedSeconds()));
            bar.setExtraMessage(count + " tried, best " + best);
        } else if (count % 10 == 0) {
            err.printf("tune: %d candidates, %.0f s, best %s%n", count, s.elapsedSeconds(), best);
            err.flush();
        }
    }

    @Override
    public void close() {
        if (bar != null) {
            bar.close();
            bar = null;
        }
    }
}
