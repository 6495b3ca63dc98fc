package io.iommutracker.emulator.format;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/** Read access to a captured directory tree: a real directory (a live /sys too) or a tar's entries. */
interface FileTree {

    /** How errors name {@code rel}. */
    String describe(String rel);

    boolean isDirectory(String rel);

    boolean exists(String rel);

    /** Child names, sorted; empty when {@code rel} is not a readable directory. */
    List<String> list(String rel);

    /** The bytes of a regular file; empty when absent or unreadable (sysfs hides some files from users). */
    Optional<byte[]> read(String rel);

    /** A symbolic link's target text; empty when {@code rel} is not a link. */
    Optional<String> link(String rel);

    static String join(String dir, String name) {
        return dir.isEmpty() ? name : dir + "/" + name;
    }

    /** A directory on disk; links are followed for directories, as sysfs needs. */
    record Dir(Path root) implements FileTree {

        private Path at(String rel) {
            return rel.isEmpty() ? root : root.resolve(rel);
        }

        @Override
        public String describe(String rel) {
            return at(rel).toString();
        }

        @Override
        public boolean isDirectory(String rel) {
            return Files.isDirectory(at(rel));
        }

        @Override
        public boolean exists(String rel) {
            return Files.exists(at(rel), java.nio.file.LinkOption.NOFOLLOW_LINKS);
        }

        @Override
        public List<String> list(String rel) {
            try (Stream<Path> s = Files.list(at(rel))) {
                List<String> names = new ArrayList<>();
                s.forEach(p -> names.add(p.getFileName().toString()));
                names.sort(null);
                return names;
            } catch (IOException | RuntimeException e) {
                return List.of();
            }
        }

        @Override
        public Optional<byte[]> read(String rel) {
            Path p = at(rel);
            if (!Files.isRegularFile(p)) return Optional.empty();
            try {
                return Optional.of(Files.readAllBytes(p));
            } catch (IOException e) {
                return Optional.empty();
            }
        }

        @Override
        public Optional<String> link(String rel) {
            Path p = at(rel);
            if (!Files.isSymbolicLink(p)) return Optional.empty();
            try {
                return Optional.of(Files.readSymbolicLink(p).toString());
            } catch (IOException e) {
                return Optional.empty();
            }
        }
    }
}
