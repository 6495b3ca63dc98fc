package io.iommutracker.connectors.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.iommutracker.avro.DeviceRemoved;
import io.iommutracker.avro.DriverBound;
import io.iommutracker.avro.DriverUnbound;
import io.iommutracker.avro.HostDescribed;
import io.iommutracker.avro.HostSnapshot;
import io.iommutracker.avro.Owner;
import io.iommutracker.avro.OwnerKind;
import io.iommutracker.avro.PciDeviceInfo;
import io.iommutracker.avro.PciEvent;
import io.iommutracker.connectors.runner.TelemetryTopic;
import io.iommutracker.emulator.HostState;
import io.iommutracker.kafka.KafkaFixture;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** The agent on this machine's own /sys, and its delivery to the real test broker. */
class HostAgentTest {

    private static final Path LIVE_DEVICES = Path.of("/sys/bus/pci/devices");

    private static AgentConfig config(TelemetryTopic topic, Path state) {
        return new AgentConfig("agent-it-host", Path.of("/"), KafkaFixture.bootstrapServers(), Duration.ofMillis(200),
                topic == null ? "unused" : topic.name(), state, Map.of());
    }

    private static long liveDeviceCount() throws Exception {
        try (Stream<Path> s = Files.list(LIVE_DEVICES)) {
            return s.count();
        }
    }

    @Test
    void captureOfThisMachinesSysIsASnapshotTheEmulatorAccepts() throws Exception {
        Assumptions.assumeTrue(Files.isDirectory(LIVE_DEVICES), "no /sys/bus/pci/devices on this machine");
        AgentConfig c = config(null, KafkaFixture.tempDir("agent-live"));
        HostSnapshot s = HostAgent.capture(c);
        assertThat(s.getDevices()).hasSize((int) liveDeviceCount());
        assertThat(s.getHost()).isNotNull();
        assertThat(s.getHost().getKernelRelease()).isEqualTo(Files.readString(Path.of("/proc/sys/kernel/osrelease")).strip());
        HostState state = HostState.empty(c.hostId());
        state = state.apply(event(c.hostId(), 1, s.getHost()));
        state = state.apply(event(c.hostId(), 2, s));
        assertThat(state.hostId()).isEqualTo(c.hostId());
    }

    private static PciEvent event(String host, long seq, Object payload) {
        return PciEvent.newBuilder().setHostId(host).setSequence(seq).setObservedAt(java.time.Instant.now())
                .setSource("test").setPayload(payload).build();
    }

    @Test
    void shouldDescribeThenSnapshotThenDiffAndContinueTheSequenceAfterRestart() throws Exception {
        Assumptions.assumeTrue(Files.isDirectory(LIVE_DEVICES), "no /sys/bus/pci/devices on this machine");
        TelemetryTopic topic = new TelemetryTopic("agent-it");
        Path stateDir = KafkaFixture.tempDir("agent-state");
        AgentConfig c = config(topic, stateDir);
        HostSnapshot live = HostAgent.capture(c);
        assertThat(live.getDevices()).hasSizeGreaterThan(1);
        AtomicReference<HostSnapshot> current = new AtomicReference<>(live);

        PciDeviceInfo gone = live.getDevices().get(live.getDevices().size() - 1);
        PciDeviceInfo rebound = live.getDevices().get(live.getDevices().size() - 2);
        List<PciDeviceInfo> changed = new ArrayList<>();
        for (PciDeviceInfo d : live.getDevices()) {
            if (d == gone) {
                continue;
            }
            changed.add(d == rebound ? PciDeviceInfo.newBuilder(d).setDriver("vfio-pci")
                    .setOwner(new Owner(OwnerKind.VFIO, null)).build() : d);
        }
        HostSnapshot after = new HostSnapshot(live.getHost(), changed);

        try (HostAgent agent = new HostAgent(c, current::get, Clock.systemUTC())) {
            assertThat(agent.pollOnce()).extracting(e -> (Object) e.getPayload().getClass())
                    .containsExactly(HostDescribed.class, HostSnapshot.class);
            assertThat(agent.pollOnce()).as("nothing changed").isEmpty();
        }
        current.set(after);
        try (HostAgent restarted = new HostAgent(c, current::get, Clock.systemUTC())) {
            List<PciEvent> diff = restarted.pollOnce();
            assertThat(diff).extracting(PciEvent::getSequence).startsWith(3L);
            assertThat(diff).extracting(PciEvent::getPayload).contains(new DeviceRemoved(gone.getBdf()),
                    new DriverBound(rebound.getBdf(), "vfio-pci", new Owner(OwnerKind.VFIO, null)));
            if (rebound.getDriver() != null) {
                assertThat(diff).extracting(PciEvent::getPayload).contains(new DriverUnbound(rebound.getBdf(), rebound.getDriver()));
            }
        }

        List<PciEvent> onTopic = topic.read(4, Duration.ofSeconds(30));
        assertThat(onTopic).extracting(PciEvent::getSequence)
                .containsExactlyElementsOf(Stream.iterate(1L, s -> s + 1).limit(onTopic.size()).toList());
        assertThat(onTopic).allMatch(e -> e.getHostId().equals("agent-it-host") && e.getSource().equals(HostAgent.SOURCE));
        HostState state = HostState.empty("agent-it-host");
        for (PciEvent e : onTopic) {
            state = state.apply(e);
        }
    }

    @Test
    void producerIsIdempotentWithAllAcks() {
        assertThat(HostAgent.enforcedProducerSettings()).containsEntry("enable.idempotence", "true").containsEntry("acks", "all");
    }
}
