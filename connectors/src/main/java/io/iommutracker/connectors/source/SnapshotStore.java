package io.iommutracker.connectors.source;

import io.iommutracker.avro.HostSnapshot;
import io.iommutracker.avro.PciEvent;
import io.iommutracker.schemas.AvroSerde;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The snapshot of each capture a task has emitted, under {@code .state/<hostId>/<epochMillis>.snapshot} (an Avro
 * PciEvent holding the HostSnapshot). It is written before the capture's events are handed to Connect, so after a
 * restart the snapshot of the capture named by the committed offset is there to diff the next capture against; and its
 * presence tells a capture that was emitted from one that arrived late.
 */
final class SnapshotStore {

    private static final String SUFFIX = ".snapshot";
    private static final AvroSerde<PciEvent> SERDE = new AvroSerde<>(PciEvent.class);

    private final Path dir;

    SnapshotStore(Path stateDir) {
        this.dir = stateDir;
    }

    private Path file(String hostId, Instant time) {
        return dir.resolve(hostId).resolve(time.toEpochMilli() + SUFFIX);
    }

    boolean has(String hostId, Instant time) {
        return Files.exists(file(hostId, time));
    }

    void write(String hostId, Instant time, HostSnapshot snapshot) throws IOException {
        Path f = file(hostId, time);
        Files.createDirectories(f.getParent());
        PciEvent holder = PciEvent.newBuilder().setHostId(hostId).setSequence(0).setObservedAt(time)
                .setSource("snapshot-store").setPayload(snapshot).build();
        Path tmp = f.resolveSibling(f.getFileName() + ".tmp");
        Files.write(tmp, SERDE.encode("snapshot-store", holder));
        Files.move(tmp, f, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    Optional<HostSnapshot> read(String hostId, Instant time) throws IOException {
        Path f = file(hostId, time);
        if (!Files.exists(f)) {
            return Optional.empty();
        }
        return Optional.of((HostSnapshot) SERDE.decode("snapshot-store", Files.readAllBytes(f)).getPayload());
    }

    /** Deletes the snapshots older than {@code keep}: once its offset is committed no restart needs them. */
    void deleteOlderThan(String hostId, Instant keep) throws IOException {
        Path hostDir = dir.resolve(hostId);
        if (!Files.isDirectory(hostDir)) {
            return;
        }
        try (Stream<Path> s = Files.list(hostDir)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                String n = p.getFileName().toString();
                if (n.endsWith(SUFFIX) && Long.parseLong(n.substring(0, n.length() - SUFFIX.length())) < keep.toEpochMilli()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }
}
