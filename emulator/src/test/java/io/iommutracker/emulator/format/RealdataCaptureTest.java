package io.iommutracker.emulator.format;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.iommutracker.avro.AcsCapability;
import io.iommutracker.avro.BarKind;
import io.iommutracker.avro.BridgeInfo;
import io.iommutracker.avro.HostDescribed;
import io.iommutracker.avro.IommuPlatform;
import io.iommutracker.avro.OwnerKind;
import io.iommutracker.avro.PciDeviceInfo;
import io.iommutracker.avro.PcieType;
import io.iommutracker.avro.Rmrr;
import io.iommutracker.avro.Window;
import io.iommutracker.emulator.model.Bdf;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The real machines' dumps in src/test/resources/realdata (provenance in README.md / NOTE.md there). */
class RealdataCaptureTest {

    static final Path REAL = Paths.get("src/test/resources/realdata");
    private static final String NOT_A_HOST = "mail-archives__reserved_regions-samples.txt";

    static Path file(String prefix) throws Exception {
        try (Stream<Path> s = Files.list(REAL)) {
            List<Path> hits = s.filter(p -> p.getFileName().toString().startsWith(prefix)).toList();
            assertThat(hits).as(prefix).hasSize(1);
            return hits.get(0);
        }
    }

    static Stream<Path> hostFiles() throws Exception {
        return Files.list(REAL).filter(p -> p.toString().endsWith(".txt"))
                .filter(p -> !p.getFileName().toString().equals(NOT_A_HOST)).sorted();
    }

    private static PciDeviceInfo dev(Capture c, String bdf) {
        return c.device(Bdf.parse(bdf)).orElseThrow(() -> new AssertionError("no device " + bdf));
    }

    private static int lineCount(Path p, String regex) throws Exception {
        return (int) Files.readAllLines(p).stream().filter(l -> l.matches(regex)).count();
    }

    @ParameterizedTest
    @MethodSource("hostFiles")
    void everyHostFileParsesIntoItsDevicesOrFacts(Path p) throws Exception {
        Capture c = Captures.readCapture(p);
        CaptureFormat f = c.formats().get(p.toString());
        if (f == CaptureFormat.DMESG) {
            assertThat(c.snapshot().getDevices()).isEmpty();
            assertThat(c.snapshot().getHost()).isNotNull();
            assertThat(c.reportedGroups()).isNotEmpty();
        } else {
            // one device per "bus:dev.fn class" line at the start of a line (pasted duplicates count once)
            long headers = Files.readAllLines(p).stream()
                    .map(l -> l.replaceFirst("^IOMMU group \\d+ ", "").replaceFirst("^\\s+(?=[0-9a-f]{2}:)", ""))
                    .filter(l -> l.matches("^(?:[0-9a-f]{4}:)?[0-9a-f]{2}:[0-9a-f]{2}\\.[0-7] \\S.*"))
                    .map(l -> l.substring(0, l.indexOf(' '))).distinct().count();
            assertThat(c.snapshot().getDevices()).hasSize((int) headers);
        }
    }

    @Test
    void notOneHostsCaptureIsRefusedWithFileAndLine() {
        Path p = REAL.resolve(NOT_A_HOST);
        assertThatThrownBy(() -> Captures.readCapture(p))
                .isInstanceOfSatisfying(CaptureParseException.class, e -> {
                    assertThat(e.file()).isEqualTo(p.toString());
                    assertThat(e.line()).isEqualTo(5); // "## sample A: ...", the first line no format explains
                    assertThat(e.getMessage()).startsWith(p + ":" + e.line() + ": ");
                });
    }

    @Test
    void frameworkTigerLakeRootPortsAcsAndRmrr() throws Exception {
        Path lspci = file("linuxhw__fw-tgl-6FA24440EFE3-5BB187865D__lspci");
        Path dmesg = file("linuxhw__fw-tgl-6FA24440EFE3-5BB187865D__dmesg");
        Capture c = Captures.readCapture(lspci, dmesg);
        assertThat(c.formats()).containsValues(CaptureFormat.LSPCI_VV, CaptureFormat.DMESG);
        assertThat(c.snapshot().getDevices()).hasSize(27);
        PciDeviceInfo tb = dev(c, "0000:00:07.0");
        assertThat(tb.getPcieType()).isEqualTo(PcieType.ROOT_PORT);
        assertThat(tb.getAcs()).isEqualTo(new AcsCapability(0x220, 0x1f, 0x1f));
        assertThat(tb.getBridge().getSecondary()).isEqualTo(0x02);
        assertThat(tb.getBridge().getSubordinate()).isEqualTo(0x2b);
        BridgeInfo last = dev(c, "0000:00:07.3").getBridge();
        assertThat(last).isEqualTo(new BridgeInfo(0, 0x80, 0xa9, new Window(0x7000L, 0x7fffL),
                new Window(0x52000000L, 0x5e1fffffL), new Window(0x6060000000L, 0x607bffffffL)));
        PciDeviceInfo igpu = dev(c, "0000:00:02.0");
        assertThat(igpu.getPcieType()).isEqualTo(PcieType.RC_INTEGRATED_ENDPOINT);
        assertThat(igpu.getAtsEnabled()).isTrue();
        assertThat(igpu.getBars()).extracting(b -> b.getIndex() + ":" + b.getKind() + ":" + b.getSize())
                .containsExactly("0:MEM64:16777216", "2:MEM64:268435456", "4:IO:64", "6:MEM32:131072");
        assertThat(igpu.getMsi().getEnabled()).isTrue();
        assertThat(igpu.getMsi().getAddress()).isEqualTo(0xfee00018L);
        // PCH multifunction functions
        assertThat(dev(c, "0000:00:14.2").getMultifunction()).isTrue();
        assertThat(dev(c, "0000:00:14.0").getMultifunction()).isTrue();

        HostDescribed host = c.snapshot().getHost();
        assertThat(host.getPlatform()).isEqualTo(IommuPlatform.INTEL_VT_D);
        assertThat(host.getInterruptRemapping()).isTrue();
        assertThat(host.getRmrrs()).containsExactly(new Rmrr(0x4c000000L, 0x503fffffL, List.of()));
        assertThat(host.getKernelRelease()).isEqualTo("6.1.0-6-amd64");
        // lspci and dmesg of the same boot report the same groups
        Capture fromLspci = Captures.readCapture(lspci);
        Capture fromDmesg = Captures.readCapture(dmesg);
        assertThat(fromLspci.reportedGroups()).isEqualTo(fromDmesg.reportedGroups());
        assertThat(c.reportedGroupCount()).isEqualTo(18);
        assertThat(c.reportedGroup(Bdf.parse("0000:00:1f.5"))).contains(16);
    }

    @Test
    void b550iSwitchVfioAndAcsOverrideCommandLine() throws Exception {
        Path lspci = file("linuxhw__b550i-pve-79662A4E6D26-CF76D2D9A4__lspci");
        Capture c = Captures.readCapture(lspci, file("linuxhw__b550i-pve-79662A4E6D26-CF76D2D9A4__dmesg"));
        assertThat(c.snapshot().getDevices()).hasSize(35);
        HostDescribed host = c.snapshot().getHost();
        assertThat(host.getCommandLine()).contains("pcie_acs_override=downstream,multifunction")
                .contains("amd_iommu=on iommu=pt");
        assertThat(host.getPlatform()).isEqualTo(IommuPlatform.AMD_VI);
        assertThat(host.getKernelRelease()).isEqualTo("5.15.35-1-pve");

        PciDeviceInfo usp = dev(c, "0000:02:00.2");
        assertThat(usp.getPcieType()).isEqualTo(PcieType.UPSTREAM_PORT);
        assertThat(usp.getBridge().getPrimary()).isEqualTo(2);
        assertThat(usp.getBridge().getSecondary()).isEqualTo(3);
        assertThat(usp.getBridge().getSubordinate()).isEqualTo(6);
        assertThat(usp.getMultifunction()).isTrue();
        PciDeviceInfo dsp = dev(c, "0000:03:08.0");
        assertThat(dsp.getPcieType()).isEqualTo(PcieType.DOWNSTREAM_PORT);
        assertThat(dsp.getAcs()).isNull();
        assertThat(dsp.getCapabilitiesKnown()).isTrue();
        assertThat(dev(c, "0000:00:01.1").getAcs()).isEqualTo(new AcsCapability(0x2a0, 0x5f, 0x1d));
        assertThat(dev(c, "0000:05:00.0").getOwner().getKind()).isEqualTo(OwnerKind.VFIO);
        assertThat(dev(c, "0000:05:00.0").getOwner().getId()).isNull();
        assertThat(dev(c, "0000:06:00.0").getDriver()).isEqualTo("vfio-pci");
        assertThat(dev(c, "0000:01:00.0").getOwner().getKind()).isEqualTo(OwnerKind.HOST);
        // the line after the stray "pcilib: sysfs_read_vpd" lost its tab; the group line after it still counts
        assertThat(c.reportedGroup(Bdf.parse("0000:01:00.0"))).contains(9);
        // the AMD IOMMU function and the root complex have no group
        assertThat(c.reportedUngrouped()).containsExactly(Bdf.parse("0000:00:00.0"), Bdf.parse("0000:00:00.2"));
        assertThat(Captures.readCapture(lspci).reportedGroups()).hasSize(33);
    }

    @Test
    void b450mOldPciutilsAndOldGroupLines() throws Exception {
        Path lspci = file("linuxhw__b450m-514E1B0EBA33-06FB257B53__lspci");
        Path dmesg = file("linuxhw__b450m-514E1B0EBA33-06FB257B53__dmesg");
        Capture alone = Captures.readCapture(lspci);
        assertThat(alone.groupsReported()).isFalse(); // pciutils 3.5 prints no IOMMU group lines
        assertThat(alone.reportedUngrouped()).isEmpty();
        Capture c = Captures.readCapture(lspci, dmesg);
        assertThat(c.snapshot().getDevices()).hasSize(41);
        // non-root capture: capabilities unreadable, the engine has to guess the port types
        PciDeviceInfo usp = dev(c, "0000:02:00.2");
        assertThat(usp.getCapabilitiesKnown()).isFalse();
        assertThat(usp.getPcieType()).isEqualTo(PcieType.UNKNOWN);
        assertThat(usp.getBridge()).isEqualTo(new BridgeInfo(2, 3, 8, new Window(0xf000L, 0xffffL),
                new Window(0xfcb00000L, 0xfcbfffffL), null));
        // "None" windows are closed
        assertThat(dev(c, "0000:03:00.0").getBridge()).isEqualTo(new BridgeInfo(3, 4, 4, null, null, null));
        assertThat(dev(c, "0000:09:00.1").getMultifunction()).isTrue();
        // dmesg "iommu: Adding device 0000:00:01.0 to group 0" (kernel 5.0)
        assertThat(c.reportedGroup(Bdf.parse("0000:00:01.0"))).contains(0);
        Set<Integer> chipset = new java.util.HashSet<>(List.of(c.reportedGroup(Bdf.parse("0000:02:00.0")).orElseThrow(),
                c.reportedGroup(Bdf.parse("0000:03:00.0")).orElseThrow(),
                c.reportedGroup(Bdf.parse("0000:03:07.0")).orElseThrow(),
                c.reportedGroup(Bdf.parse("0000:08:00.0")).orElseThrow()));
        assertThat(chipset).containsExactly(14);
        assertThat(c.snapshot().getHost().getPlatform()).isEqualTo(IommuPlatform.AMD_VI);
        assertThat(Captures.readCapture(dmesg).reportedGroups()).hasSize(lineCount(dmesg, ".*iommu: Adding device .*"));
    }

    @Test
    void fw13amdSplicedStderrAndAccessDenied() throws Exception {
        Capture c = Captures.readCapture(file("linuxhw__fw13amd"));
        assertThat(c.snapshot().getDevices()).hasSize(40);
        PciDeviceInfo usb4 = dev(c, "0000:00:03.1");
        assertThat(usb4.getBridge()).isEqualTo(new BridgeInfo(0, 0x03, 0x61, new Window(0x6000L, 0x9fffL),
                new Window(0x78000000L, 0x8fffffffL), new Window(0x7000000000L, 0x7fffffffffL)));
        assertThat(usb4.getCapabilitiesKnown()).isFalse();
        assertThat(usb4.getPcieType()).isEqualTo(PcieType.UNKNOWN);
        assertThat(usb4.getDriver()).isEqualTo("pcieport");
        // Status: Cap- -> readable and empty -> conventional
        assertThat(dev(c, "0000:00:03.0").getPcieType()).isEqualTo(PcieType.NOT_PCIE);
        assertThat(dev(c, "0000:00:03.0").getCapabilitiesKnown()).isTrue();
        assertThat(c.reportedGroup(Bdf.parse("0000:00:03.1"))).contains(2);
        assertThat(c.reportedGroupCount()).isEqualTo(7);
        assertThat(c.snapshot().getHost().getPlatform()).isEqualTo(IommuPlatform.AMD_VI); // guessed from the host bridge
    }

    @Test
    void legionLspciVerboseOnceAndItsDmesg() throws Exception {
        Path lspci = file("gh-sergeyklay-legion-y520__lspci");
        Capture c = Captures.readCapture(lspci, file("gh-sergeyklay-legion-y520__dmesg"));
        assertThat(c.formats().get(lspci.toString())).isEqualTo(CaptureFormat.LSPCI_V);
        assertThat(c.snapshot().getDevices()).hasSize(20);
        PciDeviceInfo peg = dev(c, "0000:00:01.0");
        assertThat(peg.getVendorId()).isEqualTo(0x8086); // from the name: lspci -v prints no ids
        assertThat(peg.getClassCode()).isEqualTo(0x060400);
        assertThat(peg.getPcieType()).isEqualTo(PcieType.ROOT_PORT);
        assertThat(peg.getBridge()).isEqualTo(new BridgeInfo(0, 1, 1, new Window(0x4000L, 0x4fffL),
                new Window(0xa3000000L, 0xa3ffffffL), new Window(0x90000000L, 0xa1ffffffL)));
        assertThat(peg.getAcs()).isNull();
        // PCH root ports name an ACS capability whose bits -v does not print: unknown, not absent
        assertThat(dev(c, "0000:00:1c.0").getCapabilitiesKnown()).isFalse();
        assertThat(dev(c, "0000:00:1c.0").getPcieType()).isEqualTo(PcieType.ROOT_PORT);
        // lspci -v numbers BARs by position; a 64-bit BAR takes two
        assertThat(dev(c, "0000:00:02.0").getBars()).extracting(b -> b.getIndex() + ":" + b.getKind())
                .containsExactly("0:MEM64", "2:MEM64", "4:IO", "6:MEM32");
        assertThat(c.reportedGroup(Bdf.parse("0000:01:00.0"))).isEqualTo(c.reportedGroup(Bdf.parse("0000:00:01.0")));
        HostDescribed host = c.snapshot().getHost();
        assertThat(host.getRmrrs()).extracting(Rmrr::getBase).containsExactly(0x7ad52000L, 0x7d800000L);
        assertThat(host.getKernelRelease()).isEqualTo("6.19.4-gentoo");
        assertThat(host.getCommandLine()).startsWith("BOOT_IMAGE=/boot/kernel-6.19.4-gentoo ");
    }

    @Test
    void asokolskyListingPlusLspciNnk() throws Exception {
        Path listing = file("gh-asokolsky-duo__iommu-groups");
        Path nnk = file("gh-asokolsky-duo__lspci-nnk");
        Capture c = Captures.readCapture(nnk, listing);
        assertThat(c.formats().get(nnk.toString())).isEqualTo(CaptureFormat.LSPCI_NNK);
        assertThat(c.formats().get(listing.toString())).isEqualTo(CaptureFormat.GROUP_LISTING);
        PciDeviceInfo gpu = dev(c, "0000:01:00.0");
        assertThat(gpu.getVendorId()).isEqualTo(0x10de);
        // the two pages were written at different times: the listing shows a GT 1030 (1d01), lspci an
        // RTX 3050 (2584); the richer lspci -nnk wins
        assertThat(gpu.getDeviceId()).isEqualTo(0x2584);
        assertThat(gpu.getCapabilitiesKnown()).isFalse();
        assertThat(gpu.getPcieType()).isEqualTo(PcieType.UNKNOWN);
        assertThat(gpu.getMultifunction()).isTrue();
        assertThat(dev(c, "0000:00:01.0").getHeaderType()).isEqualTo(1);
        // -nnk shows no bus numbers: they are numbered depth first, each bridge taking the next (BusNumbers)
        assertThat(dev(c, "0000:00:01.0").getBridge().getSecondary()).isEqualTo(1);
        assertThat(dev(c, "0000:00:1c.0").getBridge().getSecondary()).isEqualTo(2); // an empty port takes a number too
        assertThat(dev(c, "0000:00:1d.0").getBridge().getSecondary()).isEqualTo(5);
        assertThat(c.reportedPartition()).contains(new java.util.TreeSet<>(Set.of(Bdf.parse("0000:00:01.0"),
                Bdf.parse("0000:01:00.0"), Bdf.parse("0000:01:00.1"))));
        assertThat(c.reportedGroupCount()).isEqualTo(15);
        assertThat(c.snapshot().getHost().getCommandLine()).startsWith("BOOT_IMAGE=/boot/vmlinuz-6.8.0-49-generic");
        assertThat(c.snapshot().getHost().getKernelRelease()).isEqualTo("6.8.0-49-generic");
        // the nas page pastes unrelated command output (/proc/crypto) that must be skipped
        Capture nas = Captures.readCapture(file("gh-asokolsky-nas__lspci-nnk"));
        assertThat(nas.groupsReported()).isFalse();
        assertThat(nas.reportedGroup(Bdf.parse("0000:01:00.0"))).contains(14);
    }

    @Test
    void raspberryPiPciFunctionsHaveNoGroup() throws Exception {
        Capture c = Captures.readCapture(file("gh-issue-rpi-linux-6834"));
        assertThat(c.snapshot().getDevices()).hasSize(7);
        assertThat(c.groupsReported()).isTrue();
        assertThat(c.reportedGroups()).isEmpty();
        assertThat(c.reportedUngrouped()).hasSize(7);
        assertThat(dev(c, "0001:01:00.3").getMultifunction()).isTrue();
        assertThat(c.snapshot().getHost().getArch()).isEqualTo("aarch64");
    }

    @Test
    void solidRunArmEndpointsInTwoDomains() throws Exception {
        Capture c = Captures.readCapture(file("linuxhw__arm-solidrun-cex7-27D749A992E1"));
        assertThat(c.snapshot().getDevices()).extracting(PciDeviceInfo::getBdf)
                .containsExactly("0002:01:00.0", "0004:01:00.0");
        assertThat(dev(c, "0002:01:00.0").getPcieType()).isEqualTo(PcieType.ENDPOINT);
        assertThat(dev(c, "0002:01:00.0").getBars().get(0).getKind()).isEqualTo(BarKind.MEM64);
        assertThat(c.reportedGroup(Bdf.parse("0002:01:00.0"))).contains(0);
        assertThat(c.reportedGroup(Bdf.parse("0004:01:00.0"))).contains(10);
        assertThat(c.snapshot().getHost().getArch()).isEqualTo("aarch64");
    }
}
