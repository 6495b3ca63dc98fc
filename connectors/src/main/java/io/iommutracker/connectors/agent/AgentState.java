package io.iommutracker.connectors.agent;

import io.iommutracker.avro.HostSnapshot;
import io.iommutracker.avro.PciEvent;
import io.iommutracker.schemas.AvroSerde;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.Optional;

/**
 * The agent's memory across restarts: the last delivered sequence and the snapshot it described, in
 * {@code <stateDir>/<hostId>.agent-state} (an Avro PciEvent whose sequence is the last one and whose payload is the
 * snapshot). Written only after the producer confirmed every event up to that sequence.
 */
record AgentState(long sequence, HostSnapshot snapshot) {

    private static final AvroSerde<PciEvent> SERDE = new AvroSerde<>(PciEvent.class);

    static Path file(Path stateDir, String hostId) {
        return stateDir.resolve(hostId + ".agent-state");
    }

    static Optional<AgentState> load(Path stateDir, String hostId) throws IOException {
        Path f = file(stateDir, hostId);
        if (!Files.exists(f)) {
            return Optional.empty();
        }
        PciEvent e = SERDE.decode("agent-state", Files.readAllBytes(f));
        return Optional.of(new AgentState(e.getSequence(), (HostSnapshot) e.getPayload()));
    }

    void save(Path stateDir, String hostId) throws IOException {
        Files.createDirectories(stateDir);
        Path f = file(stateDir, hostId);
        Path tmp = f.resolveSibling(f.getFileName() + ".tmp");
        PciEvent holder = PciEvent.newBuilder().setHostId(hostId).setSequence(sequence).setObservedAt(Instant.EPOCH)
                .setSource("agent-state").setPayload(snapshot).build();
        Files.write(tmp, SERDE.encode("agent-state", holder));
        Files.move(tmp, f, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
