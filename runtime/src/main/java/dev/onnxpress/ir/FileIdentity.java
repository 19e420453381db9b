package dev.onnxpress.ir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * What a path names on disk, for telling whether two paths are the same file: the file's key (device and
 * inode on POSIX) when it exists, else its real path (the folder's symlinks resolved, the name as given).
 * Two identities are equal when either matches, so a hard link, a symlink or {@code ./a/../b} is caught.
 */
public final class FileIdentity {
    private final Path real;
    private final Object key;

    private FileIdentity(Path real, Object key) {
        this.real = real;
        this.key = key;
    }

    public static FileIdentity of(Path p) {
        Path abs = p.toAbsolutePath().normalize();
        Object key = null;
        Path real = abs;
        try {
            if (Files.exists(abs)) {
                key = Files.readAttributes(abs, BasicFileAttributes.class).fileKey();
                real = abs.toRealPath();
            } else if (abs.getParent() != null && Files.exists(abs.getParent())) {
                real = abs.getParent().toRealPath().resolve(abs.getFileName());
            }
        } catch (IOException | SecurityException e) {
            // compare by the normalized path
        }
        return new FileIdentity(real, key);
    }

    /** The path with symlinks resolved as far as it exists. */
    public Path real() {
        return real;
    }

    /** True when both name the same file. */
    public boolean sameAs(FileIdentity o) {
        return real.equals(o.real) || (key != null && key.equals(o.key));
    }

    @Override
    public String toString() {
        return real.toString();
    }
}
