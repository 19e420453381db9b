package dev.onnxpress.tune;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.onnxpress.bind.Binder;
import dev.onnxpress.bind.Plan;
import dev.onnxpress.error.OnnxpressException;
import dev.onnxpress.error.UserException;
import dev.onnxpress.pipeline.FileHashes;
import dev.onnxpress.pipeline.PassManager;
import dev.onnxpress.pipeline.RunSettings;
import dev.onnxpress.pipeline.ToleranceBreachException;
import dev.onnxpress.report.PipelineReport;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BiConsumer;

/**
 * Measures candidate recipes on the search data, each exactly as {@code onnxpress run} would run it: the
 * candidate's steps become recipe text behind a header declaring the calibration and selection slices,
 * the text is bound by the {@link Binder} and run by the {@link PassManager} (every step verified in ONNX
 * Runtime). What the final recipe says is therefore what was measured.
 *
 * <p>Every result is kept in memory and, when a cache file is given, appended to it as one JSON line keyed
 * by the SHA-256 of the model bytes, the header (data slices, seed, what is timed) and the step text: a
 * search stopped half-way resumes without re-running what it already measured.
 */
public final class Evaluations {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path model;
    private final String modelSha;
    private final String header;
    private final RunSettings settings;
    private final Optional<Path> cacheFile;
    private final Optional<String> lastTolerance;
    private final Map<String, Measurement> cache = new HashMap<>();
    private BiConsumer<List<String>, Measurement> listener = (s, m) -> { };
    private final PassManager manager;
    private int runs;
    private int hits;

    /**
     * @param header recipe text up to the steps: {@code recipe …}, the data declarations and the verify block
     */
    public Evaluations(Path model, String header, RunSettings settings, Optional<Path> cacheFile) {
        this(model, header, settings, cacheFile, Optional.empty());
    }

    /**
     * @param lastTolerance the check the written recipe puts on its last step (the budget, e.g.
     *                      {@code accuracy max_drop 1%}); each candidate's last step carries it too, so a candidate
     *                      is held to what the written recipe will be held to, not to the default fidelity bound of
     *                      a step without tolerance (which e.g. early exits, changing the logits of exited samples,
     *                      never meet). A candidate whose last step breaks it is still measured: its figures are
     *                      what the search ranks, and its loss says it is over the budget.
     */
    public Evaluations(Path model, String header, RunSettings settings, Optional<Path> cacheFile,
                       Optional<String> lastTolerance) {
        this.lastTolerance = lastTolerance;
        this.model = model;
        this.modelSha = FileHashes.fileInfo(model, 0).sha256();
        this.header = header;
        this.settings = settings;
        this.cacheFile = cacheFile;
        this.manager = new PassManager(settings).reusingReferences();
        cacheFile.ifPresent(this::load);
    }

    public void onMeasured(BiConsumer<List<String>, Measurement> l) {
        this.listener = l;
    }

    public String modelSha() {
        return modelSha;
    }

    /** Evaluations actually run (not read from the cache). */
    public int runs() {
        return runs;
    }

    /** Evaluations answered from the cache. */
    public int hits() {
        return hits;
    }

    /** The measurement of these steps (one step per element, recipe syntax), from the cache or run now. */
    public Measurement measure(List<String> steps) {
        String key = key(steps);
        Measurement m = cache.get(key);
        if (m != null) {
            hits++;
            listener.accept(steps, m);
            return m;
        }
        m = run(steps);
        if (Thread.currentThread().isInterrupted()) {
            // abandoned at the time limit: what it measured, if anything, is cut short and must not be reused
            return m;
        }
        runs++;
        cache.put(key, m);
        append(key, steps, m);
        listener.accept(steps, m);
        return m;
    }

    /** The cached measurement of these steps, if any (never runs anything). */
    public Optional<Measurement> cached(List<String> steps) {
        return Optional.ofNullable(cache.get(key(steps)));
    }

    String key(List<String> steps) {
        String seedAndTiming = "seed=" + settings.seed() + " latency=" + settings.latencyIterations() + " batch="
                + settings.batchSize();
        return FileHashes.sha256((modelSha + "\n" + seedAndTiming + "\n" + header + "\n" + String.join("\n", steps)
                + lastTolerance.map(t -> "\nlast step tolerance " + t).orElse("")).getBytes(StandardCharsets.UTF_8));
    }

    private Measurement run(List<String> steps) {
        long t0 = System.nanoTime();
        List<String> held = new java.util.ArrayList<>(steps);
        if (!held.isEmpty() && lastTolerance.isPresent()) {
            // as in the written recipe (RecipeText): the budget replaces the last step's own floor
            String last = held.get(held.size() - 1);
            int own = last.indexOf("\n  tolerance {");
            held.set(held.size() - 1, (own >= 0 ? last.substring(0, own) : last)
                    + "\n  tolerance { " + lastTolerance.get() + " }");
        }
        String text = header + "\n" + String.join("\n", held) + "\n";
        try {
            Plan plan = new Binder().bindText(text, "tune candidate", Optional.empty());
            PipelineReport r = manager.run(plan, model, Optional.empty());
            return of(r, (System.nanoTime() - t0) / 1e9);
        } catch (ToleranceBreachException e) {
            PipelineReport r = e.report();
            if (lastTolerance.isPresent() && r != null && r.steps().size() == steps.size()
                    && r.steps().stream().limit(steps.size() - 1L).allMatch(st -> st.verdict().passed())) {
                // only the last step's own tolerance broke: a measured candidate over the budget
                return of(r, (System.nanoTime() - t0) / 1e9);
            }
            return Measurement.failed(e.getMessage(), (System.nanoTime() - t0) / 1e9);
        } catch (OnnxpressException e) {
            return Measurement.failed(e.getMessage(), (System.nanoTime() - t0) / 1e9);
        } catch (RuntimeException e) {
            return Measurement.failed("internal error: " + e, (System.nanoTime() - t0) / 1e9);
        }
    }

    /** The figures of the end of a run: the last step's, or the original's when there is no step. */
    public static Measurement of(PipelineReport r, double seconds) {
        PipelineReport.Baseline b = r.baseline();
        if (r.steps().isEmpty()) {
            return new Measurement(b.bytes(), b.macs().orElse(-1), b.latencyMs(), b.accuracy().orElse(Double.NaN),
                    1, 1, seconds, Optional.empty(), b.accuracy().isPresent() ? 0 : Double.NaN);
        }
        PipelineReport.StepReport s = r.steps().get(r.steps().size() - 1);
        return new Measurement(s.bytes(), s.macs().orElse(-1), latencyMs(r), s.metrics().accuracy().orElse(Double.NaN),
                s.metrics().cosine(), s.metrics().top1Agreement().orElse(Double.NaN), seconds, Optional.empty(),
                s.metrics().discordance().orElse(Double.NaN));
    }

    /**
     * The latency of a run's result in the baseline's terms: the baseline's median divided by the speed-up the
     * last changed step measured against the input model in interleaved rounds (PairedLatency, batch 1). Two
     * figures taken minutes apart on a loaded machine differ by more than most speed-ups; the paired ratio
     * does not drift with the load, so a ratio of two such figures is the paired speed-up itself.
     */
    static double latencyMs(PipelineReport r) {
        double base = r.baseline().latencyMs();
        for (int i = r.steps().size() - 1; i >= 0; i--) {
            PipelineReport.StepReport s = r.steps().get(i);
            if (s.speed().isPresent() && Double.isFinite(base) && s.speed().get().speedup() > 0) {
                return base / s.speed().get().speedup();
            }
            if (s.changed()) {
                return s.latencyMs();
            }
        }
        return base;
    }

    // ---------------------------------------------------------------- the cache file

    private void load(Path file) {
        if (!Files.isRegularFile(file)) {
            return;
        }
        try {
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                if (line.isBlank()) {
                    continue;
                }
                try {
                    JsonNode n = JSON.readTree(line);
                    Optional<String> error = n.hasNonNull("error") ? Optional.of(n.get("error").asText()) : Optional.empty();
                    cache.put(n.get("key").asText(), new Measurement(n.get("bytes").asLong(), n.get("macs").asLong(),
                            num(n, "latency_ms"), num(n, "accuracy"), num(n, "cosine"), num(n, "top1"),
                            num(n, "seconds"), error, num(n, "discordance")));
                } catch (IOException | RuntimeException e) {
                    // a line cut short by a stopped run: measured again when needed
                }
            }
        } catch (IOException e) {
            throw new UserException("cannot read the tune cache " + file + ": " + e.getMessage(), e);
        }
    }

    private void append(String key, List<String> steps, Measurement m) {
        if (cacheFile.isEmpty()) {
            return;
        }
        ObjectNode n = JSON.createObjectNode();
        n.put("key", key);
        ArrayNode s = n.putArray("steps");
        steps.forEach(s::add);
        n.put("bytes", m.bytes());
        n.put("macs", m.macs());
        put(n, "latency_ms", m.latencyMs());
        put(n, "accuracy", m.accuracy());
        put(n, "cosine", m.cosine());
        put(n, "top1", m.top1());
        put(n, "seconds", m.seconds());
        put(n, "discordance", m.discordance());
        m.error().ifPresent(e -> n.put("error", e));
        try {
            Path f = cacheFile.get();
            if (f.toAbsolutePath().getParent() != null) {
                Files.createDirectories(f.toAbsolutePath().getParent());
            }
            try (BufferedWriter w = Files.newBufferedWriter(f, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND)) {
                w.write(JSON.writeValueAsString(n));
                w.write('\n');
            }
        } catch (IOException e) {
            throw new UserException("cannot write the tune cache " + cacheFile.get() + ": " + e.getMessage(), e);
        }
    }

    private static void put(ObjectNode n, String field, double v) {
        if (Double.isFinite(v)) {
            n.put(field, v);
        } else {
            n.putNull(field);
        }
    }

    private static double num(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v == null || v.isNull() ? Double.NaN : v.asDouble();
    }
}
