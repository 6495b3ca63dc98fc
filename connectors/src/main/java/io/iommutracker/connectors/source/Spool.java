package io.iommutracker.connectors.source;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The spool directory: captures are dropped at its top level; {@code done/} holds captures whose events are committed,
 * {@code failed/} captures that could not be read (each with a {@code <name>.reason} file), {@code .state/} the last
 * snapshot of every host.
 */
public final class Spool {

    public static final String DONE = "done";
    public static final String FAILED = "failed";
    public static final String STATE = ".state";

    private final Path root;

    public Spool(Path root) {
        this.root = root.toAbsolutePath().normalize();
    }

    public Path root() {
        return root;
    }

    public Path done() {
        return root.resolve(DONE);
    }

    public Path failed() {
        return root.resolve(FAILED);
    }

    public Path state() {
        return root.resolve(STATE);
    }

    /** A top-level entry that is not being written, with when it last changed. */
    public record Entry(Path path, String name, Instant modified) {
    }

    public List<Entry> entries() throws IOException {
        List<Entry> out = new ArrayList<>();
        try (Stream<Path> s = Files.list(root)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                String name = p.getFileName().toString();
                if (name.equals(DONE) || name.equals(FAILED) || CaptureName.ignored(name)) {
                    continue;
                }
                out.add(new Entry(p, name, Files.getLastModifiedTime(p).toInstant()));
            }
        }
        out.sort((a, b) -> a.name.compareTo(b.name));
        return out;
    }

    public Path moveToDone(Path entry) throws IOException {
        return move(entry, done());
    }

    /** Moves the entry to failed/ and writes the reason next to it; the reason names the file (and line) at fault. */
    public Path moveToFailed(Path entry, String reason) throws IOException {
        Path target = move(entry, failed());
        Files.writeString(target.resolveSibling(target.getFileName() + ".reason"), reason + "\n", StandardCharsets.UTF_8);
        return target;
    }

    private static Path move(Path entry, Path dir) throws IOException {
        Files.createDirectories(dir);
        Path target = dir.resolve(entry.getFileName().toString());
        for (int i = 1; Files.exists(target, java.nio.file.LinkOption.NOFOLLOW_LINKS); i++) {
            target = dir.resolve(entry.getFileName() + "." + i);
        }
        return Files.move(entry, target, StandardCopyOption.ATOMIC_MOVE);
    }
}
