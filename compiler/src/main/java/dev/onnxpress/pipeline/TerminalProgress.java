package dev.onnxpress.pipeline;

import dev.onnxpress.passes.PassContext;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * A progress bar on stderr, for evaluation runs and long passes. Only drawn when stderr is a terminal
 * (the caller decides); stdout stays clean for the report table.
 */
final class TerminalProgress implements PassContext.Progress {
    private ProgressBar bar;

    @Override
    public void start(String task, long total) {
        finish();
        bar = new ProgressBarBuilder().setTaskName(task).setInitialMax(Math.max(total, 0))
                .setStyle(ProgressBarStyle.ASCII).setConsumer(new ConsoleProgressBarConsumer(System.err))
                .hideEta().build();
    }

    @Override
    public void step(long done) {
        if (bar != null) {
            bar.stepTo(done);
        }
    }

    @Override
    public void finish() {
        if (bar != null) {
            bar.close();
            bar = null;
        }
    }

    static PassContext.Progress create(boolean show) {
        return show ? new TerminalProgress() : PassContext.Progress.NONE;
    }
}
