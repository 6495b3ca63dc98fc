package io.iommutracker.emulator.resv;

import static org.assertj.core.api.Assertions.assertThat;

import io.iommutracker.avro.FirmwareKind;
import io.iommutracker.avro.HostDescribed;
import io.iommutracker.avro.IommuPlatform;
import io.iommutracker.avro.PciDeviceInfo;
import io.iommutracker.avro.VirtioResvMem;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Every /sys/kernel/iommu_groups/N/reserved_regions recorded by the kernel oracle (src/test/resources/oracle, see its
 * NOTE.md), recomputed from the group's members, their class codes and the platform, must match byte for byte.
 */
class OracleReservedRegionsTest {

    @TestFactory
    Stream<DynamicTest> everyRecordedGroupMatchesTheKernelText() {
        return captures().stream().flatMap(capture -> groupDirs(capture).stream().map(group -> DynamicTest.dynamicTest(
                root().relativize(group).toString(), () -> assertGroup(capture, group))));
    }

    @Test
    void theFixturesCoverEveryPlatformAndHotplugSnapshot() {
        List<Path> captures = captures();
        assertThat(captures).hasSize(10);
        assertThat(captures.stream().mapToInt(c -> groupDirs(c).size()).sum()).isEqualTo(57);
        assertThat(captures.stream().map(c -> host(c).getPlatform()).distinct())
                .containsExactlyInAnyOrder(IommuPlatform.INTEL_VT_D, IommuPlatform.VIRTIO_IOMMU, IommuPlatform.ARM_SMMU_V3);
    }

    private static void assertGroup(Path capture, Path group) throws IOException {
        HostDescribed host = host(capture);
        List<List<Region>> perDevice = new ArrayList<>();
        for (String bdf : Files.readAllLines(group.resolve("devices"))) {
            if (!bdf.isBlank()) {
                perDevice.add(ReservedRegions.forDevice(host, device(capture, bdf.trim()), List.of()));
            }
        }
        String expected = Files.readString(group.resolve("reserved_regions"), StandardCharsets.US_ASCII);
        assertThat(ReservedRegions.sysfsText(ReservedRegions.forGroup(perDevice))).isEqualTo(expected);
    }

    private static PciDeviceInfo device(Path capture, String bdf) throws IOException {
        String cls = Files.readString(capture.resolve("pci").resolve(bdf).resolve("class")).trim();
        return PciDeviceInfo.newBuilder().setBdf(bdf).setVendorId(0).setDeviceId(0)
                .setClassCode(Integer.parseInt(cls.substring(2), 16)).build();
    }

    /** The host as the topology's platform line describes it (oracle README: platform kinds). */
    private static HostDescribed host(Path capture) {
        Path result = capture.getFileName().toString().startsWith("hotplug-") ? capture.getParent() : capture;
        String platform = readLines(result.resolve("topology.txt")).stream().map(String::trim)
                .filter(l -> l.startsWith("platform ")).findFirst().orElseThrow().split("\\s+")[1];
        return switch (platform) {
            case "intel-iommu" -> HostDescribed.newBuilder().setPlatform(IommuPlatform.INTEL_VT_D).build();
            case "amd-iommu" -> HostDescribed.newBuilder().setPlatform(IommuPlatform.AMD_VI).build();
            // QEMU's x86 virtio-iommu answers PROBE with one RESV_MEM MSI property over the IOAPIC window.
            case "virtio-iommu" -> HostDescribed.newBuilder().setPlatform(IommuPlatform.VIRTIO_IOMMU)
                    .setVirtioProbeRegions(List.of(VirtioResvMem.newBuilder().setSubtype(1)
                            .setStart(0xfee00000L).setEnd(0xfeefffffL).build())).build();
            case "smmuv3" -> HostDescribed.newBuilder().setPlatform(IommuPlatform.ARM_SMMU_V3).setArch("aarch64")
                    .setFirmware(FirmwareKind.DEVICE_TREE).build();
            default -> throw new IllegalStateException("no host model for platform " + platform);
        };
    }

    private static List<Path> captures() {
        try (Stream<Path> walk = Files.walk(root())) {
            return walk.filter(p -> Files.isDirectory(p.resolve("iommu_groups"))).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<Path> groupDirs(Path capture) {
        try (Stream<Path> list = Files.list(capture.resolve("iommu_groups"))) {
            return list.filter(p -> Files.exists(p.resolve("reserved_regions"))).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<String> readLines(Path path) {
        try {
            return Files.readAllLines(path);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Path root() {
        try {
            return Path.of(OracleReservedRegionsTest.class.getResource("/oracle").toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
