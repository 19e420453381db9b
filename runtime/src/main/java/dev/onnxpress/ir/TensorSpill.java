package dev.onnxpress.ir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A scratch file for the tensors passes build on a large model. Attached to a model ({@link Model#spillTo}), it
 * receives every tensor of at least {@code minBytes} a {@link Rewriter} stores as an initializer: the bytes go to
 * the file and the model keeps a file-backed tensor that is read again only when something asks for its values.
 * So a changed model costs the heap one tensor at a time, not the model's size, and the writer copies the bytes
 * file to file. Values, and the written output, are the same as without it.
 *
 * <p>The owner deletes the file after {@link #close()}; every model version that refers to it must be done by
 * then. Writes are appended; nothing in the file is ever overwritten, so tensors of earlier versions stay valid.
 */
public final class TensorSpill implements AutoCloseable {
    private final Path file;
    private final long minBytes;
    private final FileChannel channel;
    private long size;
    private long stored;

    private TensorSpill(Path file, long minBytes, FileChannel channel) {
        this.file = file;
        this.minBytes = minBytes;
        this.channel = channel;
    }

    /** A new, empty scratch file at {@code file} (which must not exist) for tensors of at least {@code minBytes}. */
    public static TensorSpill create(Path file, long minBytes) {
        try {
            FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE,
                    StandardOpenOption.READ);
            return new TensorSpill(file.toAbsolutePath().normalize(), Math.max(1, minBytes), ch);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create scratch file " + file, e);
        }
    }

    public Path file() {
        return file;
    }

    /** Bytes written to the scratch file so far. */
    public synchronized long bytesStored() {
        return stored;
    }

    /**
     * {@code t} itself when it is small, already file-backed or not numeric; else the same tensor with its bytes in
     * the scratch file.
     */
    synchronized Tensor store(Tensor t) {
        if (!(t.data() instanceof TensorData.Raw raw) || t.dataType() == DataType.STRING
                || raw.bytes().length < minBytes || !channel.isOpen()) {
            return t;
        }
        byte[] bytes = raw.bytes();
        long offset = (size + 63) / 64 * 64;
        try {
            ByteBuffer b = ByteBuffer.wrap(bytes);
            long pos = offset;
            while (b.hasRemaining()) {
                pos += channel.write(b, pos);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write scratch file " + file + ": " + e.getMessage(), e);
        }
        size = offset + bytes.length;
        stored += bytes.length;
        return new Tensor(t.dataType(), t.dims(), new TensorData.Spilled(file, offset, bytes.length), t.name());
    }

    @Override
    public synchronized void close() {
        try {
            channel.close();
        } catch (IOException e) {
            // nothing was left unwritten: writes are positional and complete
        }
    }
}
