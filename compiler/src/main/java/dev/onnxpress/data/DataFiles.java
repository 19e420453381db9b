package dev.onnxpress.data;

import dev.onnxpress.error.UserException;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/** Reading data files whole, gunzipping them when they start with the gzip magic bytes (whatever their name). */
final class DataFiles {
    static final long MAX_BYTES = Integer.MAX_VALUE - 8;

    private DataFiles() {
    }

    /** The file's bytes, decompressed if gzip. {@code what} names the file's role ("images file"). */
    static byte[] read(Path file, String what) {
        if (Files.isDirectory(file)) {
            throw new UserException(what + " " + file + " is a folder, not a file");
        }
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new UserException(what + " not found: " + file);
        } catch (AccessDeniedException e) {
            throw new UserException(what + " " + file + " cannot be read (permission denied)");
        } catch (IOException | OutOfMemoryError e) {
            throw new UserException("cannot read " + what + " " + file + ": " + e.getMessage());
        }
        if (bytes.length >= 2 && (bytes[0] & 0xff) == 0x1f && (bytes[1] & 0xff) == 0x8b) {
            return gunzip(bytes, file, what);
        }
        return bytes;
    }

    /** The file opened for reading, gunzipping when it starts with the gzip magic bytes. */
    record Opened(InputStream in, boolean gzip, long fileBytes) implements AutoCloseable {
        @Override
        public void close() throws IOException {
            in.close();
        }
    }

    /** Most a deflate stream expands: 1032 to 1, with room for the gzip framing. */
    static final long MAX_GZIP_RATIO = 1100;

    static Opened open(Path file, String what) {
        if (Files.isDirectory(file)) {
            throw new UserException(what + " " + file + " is a folder, not a file");
        }
        try {
            long size = Files.size(file);
            InputStream raw = new java.io.BufferedInputStream(Files.newInputStream(file), 1 << 16);
            raw.mark(2);
            int a = raw.read();
            int b = raw.read();
            raw.reset();
            if (a == 0x1f && b == 0x8b) {
                return new Opened(new GZIPInputStream(raw, 1 << 16), true, size);
            }
            return new Opened(raw, false, size);
        } catch (NoSuchFileException e) {
            throw new UserException(what + " not found: " + file);
        } catch (AccessDeniedException e) {
            throw new UserException(what + " " + file + " cannot be read (permission denied)");
        } catch (IOException e) {
            throw new UserException("cannot read " + what + " " + file + ": " + e.getMessage());
        }
    }

    /** True when the stream has more bytes (reads at most one). */
    static boolean hasMore(Opened o, Path file, String what) {
        try {
            return o.in().read() >= 0;
        } catch (EOFException e) {
            throw new UserException(what + " " + file + " is a truncated gzip file");
        } catch (IOException e) {
            throw new UserException("cannot read " + what + " " + file + ": " + e.getMessage());
        }
    }

    private static byte[] gunzip(byte[] gz, Path file, String what) {
        try (InputStream in = new GZIPInputStream(new java.io.ByteArrayInputStream(gz), 1 << 16)) {
            ByteArrayOutputStream out = new ByteArrayOutputStream(Math.max(1024, gz.length * 4));
            byte[] buf = new byte[1 << 16];
            long total = 0;
            for (int r; (r = in.read(buf)) > 0; ) {
                total += r;
                if (total > MAX_BYTES) {
                    throw new UserException(what + " " + file + " decompresses to more than 2 GB");
                }
                out.write(buf, 0, r);
            }
            return out.toByteArray();
        } catch (EOFException e) {
            throw new UserException(what + " " + file + " is a truncated gzip file");
        } catch (ZipException e) {
            throw new UserException(what + " " + file + " is a corrupt gzip file (" + e.getMessage() + ")");
        } catch (IOException e) {
            throw new UserException("cannot read " + what + " " + file + ": " + e.getMessage());
        }
    }
}
