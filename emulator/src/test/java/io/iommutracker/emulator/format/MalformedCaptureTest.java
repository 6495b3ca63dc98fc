package io.iommutracker.emulator.format;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.iommutracker.avro.PcieType;
import io.iommutracker.emulator.model.Bdf;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MalformedCaptureTest {

    @TempDir
    Path tmp;

    private Path write(String name, String text) throws Exception {
        Path p = tmp.resolve(name);
        Files.writeString(p, text);
        return p;
    }

    private void assertFails(Path p, int line, String reason) {
        assertThatThrownBy(() -> Captures.read(List.of(p)))
                .isInstanceOfSatisfying(CaptureParseException.class, e -> {
                    assertThat(e.file()).isEqualTo(p.toString());
                    assertThat(e.line()).isEqualTo(line);
                    assertThat(e.getMessage()).isEqualTo(p + ":" + line + ": " + e.getMessage().substring(
                            (p + ":" + line + ": ").length())).contains(reason);
                });
    }

    @Test
    void badBridgeBusNumbersNameFileAndLine() throws Exception {
        Path p = write("lspci.txt", """
                00:1c.0 PCI bridge [0604]: Intel Corporation Device [8086:a290] (rev f0)
                \tControl: I/O+ Mem+ BusMaster+
                \tBus: primary=00, secondary=zz, subordinate=02, sec-latency=0
                """);
        assertFails(p, 3, "malformed bridge bus numbers");
    }

    @Test
    void badWindowAndIndentationOutsideADevice() throws Exception {
        assertFails(write("w.txt", "00:1c.0 PCI bridge [0604]: X [8086:a290]\n\tMemory behind bridge: fe00-\n"), 2,
                "malformed bridge window");
        assertFails(write("i.txt", "\n\tKernel driver in use: nvme\n00:1f.0 ISA bridge [0601]: X [8086:a30a]\n"), 2,
                "indented line outside a device");
        assertFails(write("g.txt", "IOMMU group 4 not-a-device\n"), 1, "without a device address");
    }

    @Test
    void commentsDoNotHideLinesOutsideMarkdown() throws Exception {
        assertFails(write("c.txt", "# lspci -nnk on host a\n00:1f.0 ISA bridge [0601]: X [8086:a30a]\nstray words\n"), 3,
                "expected a device line");
    }

    @Test
    void unknownFilesAreRefused() throws Exception {
        assertFails(write("notes.txt", "\nhello world\nsecond line\n"), 2, "unrecognised capture format");
        assertThatThrownBy(() -> Captures.read(List.of(write("empty.txt", "")))).hasMessageContaining("empty");
        Path dir = Files.createDirectories(tmp.resolve("somedir"));
        assertThatThrownBy(() -> Captures.read(List.of(dir))).isInstanceOf(CaptureParseException.class)
                .hasMessageContaining(dir.toString()).hasMessageContaining("not a sysfs capture");
    }

    @Test
    void badResourceLineInSysfsNamesTheFile() throws Exception {
        Path dev = Files.createDirectories(tmp.resolve("cap/pci/0000:00:02.0"));
        Files.write(dev.resolve("config"), ConfigBytes.header(256, 0x8086, 0x10d3, 0x020000, 0, 0).b);
        Files.writeString(dev.resolve("resource"), "0xfe000000 0xfe01ffff 0x40200\nbogus line here now\n");
        assertThatThrownBy(() -> Captures.readSysfs(tmp.resolve("cap")))
                .isInstanceOfSatisfying(CaptureParseException.class, e -> {
                    assertThat(e.file()).endsWith("0000:00:02.0/resource");
                    assertThat(e.line()).isEqualTo(2);
                });
    }

    @Test
    void liveSysfsLayoutWithSymlinksAndShortConfig() throws Exception {
        Path root = tmp.resolve("root");
        Path real = Files.createDirectories(root.resolve("sys/devices/pci0000:00/0000:00:1f.3"));
        Path groups = Files.createDirectories(root.resolve("sys/kernel/iommu_groups/7/devices"));
        Path drivers = Files.createDirectories(root.resolve("sys/bus/pci/drivers/snd_hda_intel"));
        Path devices = Files.createDirectories(root.resolve("sys/bus/pci/devices"));
        Files.createSymbolicLink(devices.resolve("0000:00:1f.3"), real);
        byte[] full = ConfigBytes.header(256, 0x8086, 0xa348, 0x040300, 0x80, 0).b;
        Files.write(real.resolve("config"), java.util.Arrays.copyOf(full, 64)); // what a user may read
        Files.createSymbolicLink(real.resolve("iommu_group"), root.resolve("sys/kernel/iommu_groups/7"));
        Files.createSymbolicLink(real.resolve("driver"), drivers);
        Files.createSymbolicLink(groups.resolve("0000:00:1f.3"), real);
        Files.createDirectories(root.resolve("proc"));
        Files.writeString(root.resolve("proc/cmdline"), "BOOT_IMAGE=/vmlinuz intel_iommu=on\n");
        Files.createDirectories(root.resolve("sys/class/iommu/dmar0"));

        Capture c = Captures.readSysfs(root);
        var d = c.device(Bdf.parse("0000:00:1f.3")).orElseThrow();
        assertThat(d.getDriver()).isEqualTo("snd_hda_intel");
        assertThat(d.getMultifunction()).isTrue();
        // Status has no capability list bit here, so the header alone is the whole answer
        assertThat(d.getPcieType()).isEqualTo(PcieType.NOT_PCIE);
        assertThat(c.reportedGroup(Bdf.parse("0000:00:1f.3"))).contains(7);
        assertThat(c.snapshot().getHost().getCommandLine()).isEqualTo("BOOT_IMAGE=/vmlinuz intel_iommu=on");
        assertThat(c.snapshot().getHost().getPlatform().name()).isEqualTo("INTEL_VT_D");
        // the devices directory itself is a capture too
        Capture devicesOnly = Captures.readSysfs(devices);
        assertThat(devicesOnly.snapshot().getDevices()).isEqualTo(c.snapshot().getDevices());
    }

    @Test
    void tarOfARealSysfsFollowsItsLinks() throws Exception {
        byte[] cfg = ConfigBytes.header(256, 0x8086, 0xa348, 0x040300, 0x80, 0).b;
        String dev = "sys/devices/pci0000:00/0000:00:1f.3";
        Path tar = tmp.resolve("sys.tar");
        Files.write(tar, TarWriter.write(
                java.util.Map.of(dev + "/config", cfg, dev + "/resource",
                        "0x00000000a1200000 0x00000000a1203fff 0x0000000000140204\n".getBytes(),
                        "proc/cmdline", "quiet intel_iommu=on\n".getBytes()),
                java.util.Map.of("sys/bus/pci/devices/0000:00:1f.3", "../../../devices/pci0000:00/0000:00:1f.3",
                        dev + "/iommu_group", "../../../../kernel/iommu_groups/13",
                        dev + "/driver", "../../../../bus/pci/drivers/snd_hda_intel")));
        Capture c = Captures.readCapture(tar);
        var d = c.device(Bdf.parse("0000:00:1f.3")).orElseThrow();
        assertThat(d.getDeviceId()).isEqualTo(0xa348);
        assertThat(d.getDriver()).isEqualTo("snd_hda_intel");
        assertThat(d.getBars()).hasSize(1);
        assertThat(d.getBars().get(0).getKind().name()).isEqualTo("MEM64");
        assertThat(d.getBars().get(0).getSize()).isEqualTo(0x4000L);
        assertThat(c.reportedGroup(Bdf.parse("0000:00:1f.3"))).contains(13);
        assertThat(c.snapshot().getHost().getCommandLine()).isEqualTo("quiet intel_iommu=on");
    }

    @Test
    void tarOfAnOracleSnapshotReadsLikeTheDirectory() throws Exception {
        Path snap = OracleSysfsCaptureTest.ORACLE.resolve("b-switch-intel");
        Path tar = tmp.resolve("capture.tar.gz");
        java.util.Map<String, byte[]> entries = new java.util.TreeMap<>();
        try (var s = Files.walk(snap)) {
            for (Path p : s.filter(Files::isRegularFile).toList()) {
                entries.put("b-switch-intel/" + snap.relativize(p), Files.readAllBytes(p));
            }
        }
        try (var out = new java.util.zip.GZIPOutputStream(Files.newOutputStream(tar))) {
            out.write(TarWriter.write(entries));
        }
        assertThat(Captures.detect(tar)).isEqualTo(CaptureFormat.SYSFS);
        Capture fromTar = Captures.readCapture(tar);
        Capture fromDir = Captures.readSysfs(snap);
        assertThat(fromTar.snapshot()).isEqualTo(fromDir.snapshot());
        assertThat(fromTar.reportedGroups()).isEqualTo(fromDir.reportedGroups());
    }
}
