package dev.onnxpress.ir;

import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * How many bytes of file-backed tensor data (external data files, {@link TensorSpill} scratch files) were read
 * onto the Java heap, per file and offset: the instrumented count tests use to prove that weights a pass leaves
 * alone are never materialised (copying them to an output file goes channel to channel and is not counted).
 */
public final class ExternalReads {
    private static final Map<Path, Map<Long, LongAdder>> READS = new ConcurrentHashMap<>();

    private ExternalReads() {
    }

    static void record(Path file, long offset, long length) {
        READS.computeIfAbsent(file.toAbsolutePath().normalize(), f -> new ConcurrentHashMap<>())
                .computeIfAbsent(offset, o -> new LongAdder()).add(length);
    }

    /** Bytes read from {@code file} since start-up. */
    public static long bytes(Path file) {
        return offsets(file).values().stream().mapToLong(Long::longValue).sum();
    }

    /** Every file read from since start-up, with its bytes read. */
    public static Map<Path, Long> files() {
        Map<Path, Long> out = new TreeMap<>();
        READS.forEach((f, m) -> out.put(f, m.values().stream().mapToLong(LongAdder::sum).sum()));
        return out;
    }

    /** Bytes read since start-up from {@code file} per offset a read started at. */
    public static Map<Long, Long> offsets(Path file) {
        Map<Long, Long> out = new TreeMap<>();
        Map<Long, LongAdder> m = READS.get(file.toAbsolutePath().normalize());
        if (m != null) {
            m.forEach((o, a) -> out.put(o, a.sum()));
        }
        return out;
    }
}
