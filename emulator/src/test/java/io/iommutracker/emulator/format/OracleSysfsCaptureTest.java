package io.iommutracker.emulator.format;

import static org.assertj.core.api.Assertions.assertThat;

import io.iommutracker.avro.AcsCapability;
import io.iommutracker.avro.FirmwareKind;
import io.iommutracker.avro.IommuPlatform;
import io.iommutracker.avro.PciDeviceInfo;
import io.iommutracker.avro.PcieType;
import io.iommutracker.emulator.model.Bdf;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

/** Every oracle snapshot (src/test/resources/oracle, see NOTE.md) reads as a sysfs capture that agrees with its summaries. */
class OracleSysfsCaptureTest {

    static final Path ORACLE = Paths.get("src/test/resources/oracle");
    private static final Pattern ACS_LINE = Pattern.compile(
            "^(\\S+) (\\S+?)(?:\\((\\d+)\\))? (?:no-ACS|ACS@0x([0-9a-f]+) cap=0x([0-9a-f]+)\\S* ctrl=0x([0-9a-f]+)\\S*)$");
    private static final Map<String, PcieType> TYPES = Map.of(
            "conventional", PcieType.NOT_PCIE, "Endpoint", PcieType.ENDPOINT, "RootPort", PcieType.ROOT_PORT,
            "SwitchUpstream", PcieType.UPSTREAM_PORT, "SwitchDownstream", PcieType.DOWNSTREAM_PORT,
            "PCIe-to-PCI", PcieType.PCIE_TO_PCI_BRIDGE, "RCiEP", PcieType.RC_INTEGRATED_ENDPOINT);

    static Stream<Path> snapshots() throws IOException {
        List<Path> out = new ArrayList<>();
        try (Stream<Path> runs = Files.list(ORACLE)) {
            for (Path run : runs.filter(Files::isDirectory).sorted().toList()) {
                out.add(run);
                try (Stream<Path> hp = Files.list(run)) {
                    hp.filter(p -> p.getFileName().toString().startsWith("hotplug-")).sorted().forEach(out::add);
                }
            }
        }
        return out.stream();
    }

    @ParameterizedTest
    @MethodSource("snapshots")
    void devicesMatchTheHarnessDecoding(Path snapshot) throws Exception {
        Capture c = Captures.readSysfs(snapshot);
        assertThat(c.formats().values()).containsExactly(CaptureFormat.SYSFS);
        List<String> acsLines = Files.readAllLines(snapshot.resolve("summary/acs"));
        assertThat(c.snapshot().getDevices()).hasSize(acsLines.size());
        for (String line : acsLines) {
            Matcher m = ACS_LINE.matcher(line.strip());
            assertThat(m.matches()).as(line).isTrue();
            PciDeviceInfo d = c.device(Bdf.parse(m.group(1))).orElseThrow();
            assertThat(d.getCapabilitiesKnown()).as(line).isTrue();
            assertThat(d.getPcieType()).as(line).isEqualTo(TYPES.get(m.group(2)));
            if (m.group(4) == null) {
                assertThat(d.getAcs()).as(line).isNull();
            } else {
                assertThat(d.getAcs()).as(line).isEqualTo(new AcsCapability(Integer.parseInt(m.group(4), 16),
                        Integer.parseInt(m.group(5), 16), Integer.parseInt(m.group(6), 16)));
            }
            Path dir = snapshot.resolve("pci").resolve(m.group(1));
            Path secondary = dir.resolve("secondary_bus_number");
            if (Files.exists(secondary)) {
                assertThat(d.getBridge()).as(line).isNotNull();
                assertThat(d.getBridge().getSecondary()).isEqualTo(Integer.parseInt(Files.readString(secondary).strip()));
                assertThat(d.getBridge().getSubordinate()).isEqualTo(
                        Integer.parseInt(Files.readString(dir.resolve("subordinate_bus_number")).strip()));
                assertThat(d.getHeaderType()).isEqualTo(1);
            } else {
                assertThat(d.getBridge()).as(line).isNull();
            }
            String driver = Files.exists(dir.resolve("driver")) ? Files.readString(dir.resolve("driver")).strip() : "";
            assertThat(d.getDriver() == null ? "" : d.getDriver()).isEqualTo(driver);
            assertThat(d.getConfigSpace()).isNotNull();
        }
    }

    @ParameterizedTest
    @MethodSource("snapshots")
    void reportedGroupsAreTheKernelsAndStayOutOfTheSnapshot(Path snapshot) throws Exception {
        Capture c = Captures.readSysfs(snapshot);
        List<String> groups = Files.readAllLines(snapshot.resolve("summary/groups"));
        int expectedGroups = 0;
        for (String line : groups) {
            if (line.startsWith("group ")) {
                expectedGroups++;
                String[] t = line.split(" ");
                int n = Integer.parseInt(t[1]);
                for (String b : line.substring(line.indexOf("devices:") + 8).trim().split("\\s+")) {
                    assertThat(c.reportedGroup(Bdf.parse(b))).as(line).contains(n);
                }
            } else if (line.startsWith("no-group ")) {
                assertThat(c.reportedUngrouped()).contains(Bdf.parse(line.substring(9).strip()));
            }
        }
        assertThat(c.reportedGroupCount()).isEqualTo(expectedGroups);
        assertThat(c.snapshot().toString()).doesNotContain("iommu_group").doesNotContain("group\"");
    }

    @Test
    void hostFactsComeFromMetaAcpiAndUnits() throws Exception {
        var intel = Captures.readSysfs(ORACLE.resolve("b-switch-intel")).snapshot().getHost();
        assertThat(intel.getPlatform()).isEqualTo(IommuPlatform.INTEL_VT_D);
        assertThat(intel.getCommandLine()).isEqualTo("console=ttyS0 panic=-1 loglevel=4 intel_iommu=on");
        assertThat(intel.getKernelRelease()).isEqualTo("6.12.117+deb12-amd64");
        assertThat(intel.getArch()).isEqualTo("x86_64");
        assertThat(intel.getFirmware()).isEqualTo(FirmwareKind.ACPI);
        assertThat(intel.getInterruptRemapping()).isTrue();
        assertThat(intel.getRmrrs()).isEmpty();

        assertThat(Captures.readSysfs(ORACLE.resolve("h-switch-intel-k61")).snapshot().getHost().getKernelRelease())
                .startsWith("6.1.");
        var virtio = Captures.readSysfs(ORACLE.resolve("e-switch-virtio")).snapshot().getHost();
        assertThat(virtio.getPlatform()).isEqualTo(IommuPlatform.VIRTIO_IOMMU);
        var arm = Captures.readSysfs(ORACLE.resolve("j-smmuv3-arm64")).snapshot().getHost();
        assertThat(arm.getPlatform()).isEqualTo(IommuPlatform.ARM_SMMU_V3);
        assertThat(arm.getArch()).isEqualTo("aarch64");
        assertThat(arm.getFirmware()).isEqualTo(FirmwareKind.DEVICE_TREE);
    }

    @Test
    void multifunctionAndBarsFollowTheKernel() throws Exception {
        Capture c = Captures.readSysfs(ORACLE.resolve("c-multifunction-intel"));
        // function 0 sets the header bit; function 1 is multifunction because fn > 0 (pci_scan_slot)
        assertThat(c.device(Bdf.parse("0000:00:07.0")).orElseThrow().getMultifunction()).isTrue();
        assertThat(c.device(Bdf.parse("0000:00:07.1")).orElseThrow().getMultifunction()).isTrue();
        assertThat(c.device(Bdf.parse("0000:00:00.0")).orElseThrow().getMultifunction()).isFalse();

        PciDeviceInfo rootPort = Captures.readSysfs(ORACLE.resolve("b-switch-intel"))
                .device(Bdf.parse("0000:00:04.0")).orElseThrow();
        // resource line 0: 0xfe400000-0xfe400fff flags 0x40200 (IORESOURCE_MEM)
        assertThat(rootPort.getBars()).hasSize(1);
        assertThat(rootPort.getBars().get(0).getBase()).isEqualTo(0xfe400000L);
        assertThat(rootPort.getBars().get(0).getSize()).isEqualTo(0x1000L);
        // resource lines 13-15 are the windows; the config registers must say the same
        assertThat(rootPort.getBridge().getIoWindow().getBase()).isEqualTo(0xc000L);
        assertThat(rootPort.getBridge().getIoWindow().getLimit()).isEqualTo(0xcfffL);
        assertThat(rootPort.getBridge().getMemWindow().getBase()).isEqualTo(0xfde00000L);
        assertThat(rootPort.getBridge().getMemWindow().getLimit()).isEqualTo(0xfe1fffffL);
        assertThat(rootPort.getBridge().getPrefWindow().getBase()).isEqualTo(0xfe600000L);
        assertThat(rootPort.getMsix()).isNotNull();
    }

    @Test
    void hotplugSnapshotsShowTheAddedDevice() throws Exception {
        Path run = ORACLE.resolve("g-hotplug-intel");
        Capture before = Captures.readSysfs(run);
        Capture after = Captures.readSysfs(run.resolve("hotplug-1"));
        assertThat(after.snapshot().getDevices().size()).isGreaterThan(before.snapshot().getDevices().size());
    }
}
