package dev.onnxpress.pipeline;

import dev.onnxpress.error.InternalException;
import dev.onnxpress.error.UserException;
import dev.onnxpress.report.PipelineReport.FileInfo;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** SHA-256 fingerprints of files and byte arrays, as the reports and the tune cache name them (lower-case hex). */
public final class FileHashes {
    private FileHashes() {
    }

    /** A file's path, digest and the size to report ({@code bytes}: an input's own size, an output's total). */
    public static FileInfo fileInfo(Path p, long bytes) {
        try (InputStream in = Files.newInputStream(p)) {
            MessageDigest sha = sha256();
            byte[] buf = new byte[1 << 16];
            int n;
            while ((n = in.read(buf)) > 0) {
                sha.update(buf, 0, n);
            }
            return new FileInfo(p.toString(), HexFormat.of().formatHex(sha.digest()), bytes);
        } catch (IOException e) {
            throw new UserException("cannot read " + p + ": " + e.getMessage(), e);
        }
    }

    /** The digest of {@code bytes} in lower-case hex. */
    public static String sha256(byte[] bytes) {
        return HexFormat.of().formatHex(sha256().digest(bytes));
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new InternalException("SHA-256 is not available", e);
        }
    }
}
