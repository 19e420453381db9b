package dev.onnxpress.pipeline;

import dev.onnxpress.error.UserException;
import java.io.IOException;
import java.lang.ref.Cleaner;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;

/**
 * One output of a model over the verification data: its values in sample order, appended batch by batch and
 * read back in order. Held in memory up to {@link #spillBytes()}; beyond that the values go to a file in a
 * private temporary folder ({@link TempDirs}), so memory does not grow with the number of samples. The file is
 * removed by {@link #close()}, when the series becomes unreachable, or at exit.
 *
 * <p>Summary figures the pipeline needs before comparing (largest finite magnitude, range, finite count, sum
 * and sum of squares of the finite values) are accumulated on append, in the order a whole-array loop would
 * visit the values, so they are bit-identical to computing them on the concatenated array.
 */
final class FloatSeries implements AutoCloseable {
    static final String SPILL_PROPERTY = "onnxpress.spillBytes";
    static final long DEFAULT_SPILL_BYTES = 32L << 20;
    private static final Cleaner CLEANER = Cleaner.create();
    private static final int IO_FLOATS = 1 << 16;
    private static Path spillDir;
    /** Series spilled to a file since start-up (tests check the path was taken). */
    static final java.util.concurrent.atomic.AtomicLong SPILLED = new java.util.concurrent.atomic.AtomicLong();

    private float[] mem = new float[64];
    private int memLength;
    private long length;
    private final long spillFloats;
    private Spill spill;
    private Cleaner.Cleanable cleanable;
    private ByteBuffer out;

    double maxAbsFinite;
    double minFinite = Double.POSITIVE_INFINITY;
    double maxFinite = Double.NEGATIVE_INFINITY;
    long finite;
    double sumFinite;
    double sumSquaresFinite;

    FloatSeries() {
        this(spillBytes() / Float.BYTES);
    }

    /** A series that moves to a file beyond {@code spillFloats} values. */
    FloatSeries(long spillFloats) {
        this.spillFloats = Math.max(1, spillFloats);
    }

    /** In-memory bytes above which a series moves to a file. */
    static long spillBytes() {
        return Math.max(Float.BYTES, Long.getLong(SPILL_PROPERTY, DEFAULT_SPILL_BYTES));
    }

    static FloatSeries of(float[] values) {
        FloatSeries s = new FloatSeries();
        s.append(FloatBuffer.wrap(values));
        return s;
    }

    long length() {
        return length;
    }

    boolean spilled() {
        return spill != null;
    }

    /** Appends the buffer's remaining values (the buffer's position is left as it was). */
    void append(FloatBuffer values) {
        FloatBuffer v = values.duplicate();
        int n = v.remaining();
        for (int i = v.position(); i < v.limit(); i++) {
            float x = v.get(i);
            if (Float.isFinite(x)) {
                finite++;
                double ax = Math.abs(x);
                if (ax > maxAbsFinite) {
                    maxAbsFinite = ax;
                }
                minFinite = Math.min(minFinite, x);
                maxFinite = Math.max(maxFinite, x);
                sumFinite += x;
                sumSquaresFinite += (double) x * x;
            }
        }
        if (spill == null && length + n > spillFloats) {
            startSpill();
        }
        if (spill == null) {
            if (memLength + n > mem.length) {
                mem = Arrays.copyOf(mem, (int) Math.min(Integer.MAX_VALUE - 8,
                        Math.max((long) memLength + n, 2L * mem.length)));
            }
            v.get(mem, memLength, n);
            memLength += n;
        } else {
            appendRaw(v);
        }
        length += n;
    }

    void append(float[] values) {
        append(FloatBuffer.wrap(values));
    }

    /** The values written so far, in order; the series must not be appended to while reading. */
    Reader reader() {
        flush();
        return new Reader();
    }

    /** Every value in one array (for outputs small enough to hold; the commands outside a run use it). */
    float[] toArray() {
        if (length > Integer.MAX_VALUE - 8) {
            throw new UserException("an output of " + length + " values is too large to hold in memory");
        }
        float[] all = new float[(int) length];
        Reader r = reader();
        int at = 0;
        while (at < all.length) {
            at += r.read(all, at, all.length - at);
        }
        return all;
    }

    /** Reads a series front to back in blocks. */
    final class Reader {
        private long at;
        private final ByteBuffer in = spill == null ? null
                : ByteBuffer.allocateDirect(IO_FLOATS * Float.BYTES).order(ByteOrder.nativeOrder());

        /** Values left to read. */
        long remaining() {
            return length - at;
        }

        /** Reads up to {@code len} values into {@code dst}; returns how many (0 only at the end). */
        int read(float[] dst, int off, int len) {
            int n = (int) Math.min(len, length - at);
            if (n <= 0) {
                return 0;
            }
            if (spill == null) {
                System.arraycopy(mem, (int) at, dst, off, n);
            } else {
                n = Math.min(n, IO_FLOATS);
                in.clear().limit(n * Float.BYTES);
                try {
                    long pos = at * Float.BYTES;
                    while (in.hasRemaining()) {
                        int r = spill.channel.read(in, pos);
                        if (r < 0) {
                            throw new IOException("unexpected end of " + spill.file);
                        }
                        pos += r;
                    }
                } catch (IOException e) {
                    throw new UserException("cannot read back verification outputs from " + spill.file + ": "
                            + e.getMessage(), e);
                }
                in.flip();
                in.asFloatBuffer().get(dst, off, n);
            }
            at += n;
            return n;
        }

        /** Reads exactly {@code len} values (fewer only at the end). */
        int readFully(float[] dst, int off, int len) {
            int done = 0;
            while (done < len) {
                int r = read(dst, off + done, len - done);
                if (r == 0) {
                    break;
                }
                done += r;
            }
            return done;
        }
    }

    private void startSpill() {
        Path file;
        try {
            file = Files.createTempFile(spillFolder(), "output-", ".f32");
            FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
            spill = new Spill(file, ch);
        } catch (IOException e) {
            throw new UserException("cannot write verification outputs to a temporary file in "
                    + System.getProperty("java.io.tmpdir") + ": " + e.getMessage(), e);
        }
        cleanable = CLEANER.register(this, spill);
        SPILLED.incrementAndGet();
        out = ByteBuffer.allocateDirect(IO_FLOATS * Float.BYTES).order(ByteOrder.nativeOrder());
        appendRaw(FloatBuffer.wrap(mem, 0, memLength));
        mem = null;
        memLength = 0;
    }

    private void appendRaw(FloatBuffer v) {
        while (v.hasRemaining()) {
            FloatBuffer f = out.asFloatBuffer();
            int k = Math.min(f.remaining(), v.remaining());
            f.put(v.slice().limit(k));
            v.position(v.position() + k);
            out.position(out.position() + k * Float.BYTES);
            if (!out.hasRemaining()) {
                flush();
            }
        }
    }

    private void flush() {
        if (spill == null || out.position() == 0) {
            return;
        }
        out.flip();
        try {
            while (out.hasRemaining()) {
                spill.written += spill.channel.write(out, spill.written);
            }
        } catch (IOException e) {
            throw new UserException("cannot write verification outputs to " + spill.file + ": " + e.getMessage(), e);
        }
        out.clear();
    }

    private static synchronized Path spillFolder() {
        if (spillDir == null || !Files.isDirectory(spillDir)) {
            spillDir = TempDirs.create("outputs");
        }
        return spillDir;
    }

    @Override
    public void close() {
        if (cleanable != null) {
            cleanable.clean();
        }
    }

    /** The file of a spilled series; closing it removes the file (also run by the cleaner). */
    private static final class Spill implements Runnable {
        final Path file;
        final FileChannel channel;
        long written;

        Spill(Path file, FileChannel channel) {
            this.file = file;
            this.channel = channel;
        }

        @Override
        public void run() {
            try {
                channel.close();
            } catch (IOException e) {
                // removing the file is what matters
            }
            try {
                Files.deleteIfExists(file);
            } catch (IOException e) {
                // the shutdown hook removes the folder
            }
        }
    }
}
