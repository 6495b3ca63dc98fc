package io.iommutracker.emulator.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import io.iommutracker.avro.DeviceAdded;
import io.iommutracker.avro.DeviceRemoved;
import io.iommutracker.avro.GroupView;
import io.iommutracker.avro.HostView;
import io.iommutracker.avro.PciDeviceInfo;
import io.iommutracker.avro.PciEvent;
import io.iommutracker.emulator.HostState;
import io.iommutracker.emulator.format.Capture;
import io.iommutracker.emulator.format.Captures;
import io.iommutracker.emulator.resv.Region;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every recorded kernel run (src/test/resources/oracle, copied from shared/oracle/results; see NOTE.md) against the
 * emulator fed the same sysfs capture: groups, group ids and the exact reserved_regions text. Hotplug snapshots are
 * reached by replaying the device additions and removals since the previous snapshot, as the kernel saw them.
 */
class OracleRunsTest {

    static Path oracle() {
        try {
            return Path.of(OracleRunsTest.class.getResource("/oracle").toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static Stream<String> runs() throws IOException {
        try (Stream<Path> s = Files.list(oracle())) {
            return s.filter(Files::isDirectory).map(p -> p.getFileName().toString()).sorted().toList().stream();
        }
    }

    @ParameterizedTest
    @MethodSource("runs")
    void emulatorAgreesWithTheRecordedKernel(String run) throws Exception {
        Path dir = oracle().resolve(run);
        List<Path> snapshots = new ArrayList<>();
        snapshots.add(dir);
        for (int n = 1; Files.isDirectory(dir.resolve("hotplug-" + n)); n++) {
            snapshots.add(dir.resolve("hotplug-" + n));
        }
        HostState state = null;
        Map<String, PciDeviceInfo> previous = Map.of();
        long seq = 0;
        for (Path snap : snapshots) {
            Capture c = Captures.readSysfs(snap);
            Map<String, PciDeviceInfo> now = c.snapshot().getDevices().stream()
                    .collect(Collectors.toMap(PciDeviceInfo::getBdf, d -> d, (a, b) -> a, TreeMap::new));
            if (state == null) {
                state = HostState.empty(run).apply(new PciEvent(run, ++seq, Instant.EPOCH, "oracle", c.snapshot()));
            } else {
                for (String gone : previous.keySet()) {
                    if (!now.containsKey(gone)) {
                        state = state.apply(new PciEvent(run, ++seq, Instant.EPOCH, "oracle", new DeviceRemoved(gone)));
                    }
                }
                for (var e : now.entrySet()) {
                    if (!previous.containsKey(e.getKey())) {
                        state = state.apply(new PciEvent(run, ++seq, Instant.EPOCH, "oracle", new DeviceAdded(e.getValue())));
                    }
                }
            }
            previous = now;
            assertThat(render(state.view())).as("%s", dir.relativize(snap.toAbsolutePath()).toString().isEmpty() ? run : snap)
                    .isEqualTo(recorded(snap));
        }
    }

    /** "group N: devices | regions" per group, from the emulator's kernel view. */
    static List<String> render(HostView v) {
        List<String> out = new ArrayList<>();
        for (GroupView g : v.getKernelGroups()) {
            String regions = g.getReservedRegions().stream()
                    .map(r -> new Region(r.getStart(), r.getEnd(), r.getType()).sysfsLine()).collect(Collectors.joining("; "));
            out.add("group " + g.getId() + ": " + g.getDevices().stream().sorted().collect(Collectors.joining(" ")) + " | " + regions);
        }
        out.sort(null);
        return out;
    }

    /** The same, from the kernel's iommu_groups/N/{devices,reserved_regions}. */
    static List<String> recorded(Path snap) throws IOException {
        List<String> out = new ArrayList<>();
        Path groups = snap.resolve("iommu_groups");
        if (!Files.isDirectory(groups)) {
            return out;
        }
        try (Stream<Path> s = Files.list(groups)) {
            for (Path g : s.filter(Files::isDirectory).toList()) {
                String devices = Files.readAllLines(g.resolve("devices")).stream().map(String::trim).filter(l -> !l.isEmpty())
                        .sorted().collect(Collectors.joining(" "));
                String regions = String.join("; ", Files.readAllLines(g.resolve("reserved_regions")).stream()
                        .filter(l -> !l.isBlank()).toList());
                out.add("group " + g.getFileName() + ": " + devices + " | " + regions);
            }
        }
        out.sort(null);
        return out;
    }
}
