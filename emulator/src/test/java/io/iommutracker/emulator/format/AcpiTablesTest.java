package io.iommutracker.emulator.format;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.iommutracker.avro.IommuPlatform;
import io.iommutracker.avro.Rmrr;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AcpiTablesTest {

    /** A DMAR with one DRHD and one RMRR whose scope is 00:1c.0 -> 00.0 (a device behind a root port). */
    static byte[] dmarWithRmrr() {
        int rmrrLen = 24 + 10; // header + one scope with a two-hop path
        int total = 48 + 16 + rmrrLen;
        ConfigBytes t = new ConfigBytes(total);
        byte[] sig = "DMAR".getBytes();
        for (int i = 0; i < 4; i++) t.u8(i, sig[i]);
        t.u32(4, total).u8(36, 38).u8(37, 0x01);
        t.u16(48, 0).u16(50, 16).u8(52, 1).u32(56, 0xfed90000L); // DRHD, INCLUDE_PCI_ALL
        int r = 64;
        t.u16(r, 1).u16(r + 2, rmrrLen).u16(r + 6, 0).u32(r + 8, 0x4c000000L).u32(r + 12, 0)
                .u32(r + 16, 0x503fffffL).u32(r + 20, 0);
        int s = r + 24;
        t.u8(s, 1).u8(s + 1, 10).u8(s + 5, 0x00).u8(s + 6, 0x1c).u8(s + 7, 0).u8(s + 8, 0x00).u8(s + 9, 0);
        return t.b;
    }

    static String od(byte[] bytes) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < bytes.length; i++) {
            sb.append(String.format(" %02x", bytes[i] & 0xff));
            if (i % 16 == 15) sb.append('\n');
        }
        return sb.append('\n').toString();
    }

    @Test
    void decodesRmrrWithDeviceScope() {
        List<AcpiTables.DmarRmrr> rmrrs = AcpiTables.dmarRmrrs(dmarWithRmrr());
        assertThat(rmrrs).containsExactly(new AcpiTables.DmarRmrr(0, 0x4c000000L, 0x503fffffL,
                List.of(new AcpiTables.DmarScope(1, 0, List.of(0x1c << 3, 0)))));
        assertThat(AcpiTables.dmarInterruptRemapping(dmarWithRmrr())).isTrue();
        assertThat(AcpiTables.signature(dmarWithRmrr())).contains("DMAR");
    }

    @Test
    void odDumpRoundTripsWithOrWithoutOffsets() throws Exception {
        byte[] t = dmarWithRmrr();
        assertThat(AcpiTables.parseOdHex(od(t), "x")).isEqualTo(t);
        String withOffsets = "0000000 44 4d 41 52\n0000004 10 00\n0000006\n";
        assertThat(AcpiTables.parseOdHex(withOffsets, "x")).containsExactly(0x44, 0x4d, 0x41, 0x52, 0x10, 0x00);
        assertThatThrownBy(() -> AcpiTables.parseOdHex(" 00 00\n*\n", "acpi/DMAR.hex"))
                .isInstanceOfSatisfying(CaptureParseException.class, e -> {
                    assertThat(e.file()).isEqualTo("acpi/DMAR.hex");
                    assertThat(e.line()).isEqualTo(2);
                });
        assertThatThrownBy(() -> AcpiTables.parseOdHex(" 00 zz\n", "f")).hasMessageContaining("f:1: not a hex byte");
    }

    @Test
    void oracleTablesNameThePlatform() throws Exception {
        Path acpi = OracleSysfsCaptureTest.ORACLE.resolve("b-switch-intel/acpi/DMAR.hex");
        byte[] dmar = AcpiTables.parseOdHex(Files.readString(acpi), acpi.toString());
        assertThat(AcpiTables.signature(dmar)).contains("DMAR");
        assertThat(AcpiTables.platformOf("DMAR", dmar)).isEqualTo(IommuPlatform.INTEL_VT_D);
        assertThat(AcpiTables.dmarRmrrs(dmar)).isEmpty(); // QEMU's intel-iommu declares no RMRR
        Path viot = OracleSysfsCaptureTest.ORACLE.resolve("e-switch-virtio/acpi/VIOT.hex");
        assertThat(AcpiTables.platformOf("VIOT", AcpiTables.parseOdHex(Files.readString(viot), "v")))
                .isEqualTo(IommuPlatform.VIRTIO_IOMMU);
    }

    @Test
    void ivrsIvmdBlocksBecomeSchemaIvmds() {
        int total = 48 + 24 + 32 + 32;
        ConfigBytes t = new ConfigBytes(total);
        byte[] sig = "IVRS".getBytes();
        for (int i = 0; i < 4; i++) t.u8(i, sig[i]);
        t.u32(4, total);
        t.u8(48, 0x10).u16(50, 24); // an IVHD, skipped by length
        int a = 72;
        t.u8(a, 0x22).u8(a + 1, 0x07).u16(a + 2, 32).u16(a + 4, 0x0100).u16(a + 6, 0x01ff)
                .u32(a + 16, 0xfd00000000L & 0xffffffffL).u32(a + 20, 0xfd).u32(a + 24, 0x100000);
        int b = a + 32;
        t.u8(b, 0x20).u8(b + 1, 0x01).u16(b + 2, 32).u32(b + 16, 0xa0000).u32(b + 24, 0x1000);
        assertThat(AcpiTables.ivrsIvmds(t.b)).containsExactly(
                new io.iommutracker.avro.Ivmd(0x22, 0x07, 0x0100, 0x01ff, 0xfd00000000L, 0x100000L),
                new io.iommutracker.avro.Ivmd(0x20, 0x01, 0, 0xffff, 0xa0000L, 0x1000L));
        assertThat(AcpiTables.platformOf("IVRS", t.b)).isEqualTo(IommuPlatform.AMD_VI);
    }

    @Test
    void iortNodeTypesTellSmmuVersions() {
        ConfigBytes iort = new ConfigBytes(48 + 8);
        iort.u32(36, 1).u32(40, 48).u8(48, 4).u16(49, 8);
        assertThat(AcpiTables.iortPlatform(iort.b)).isEqualTo(IommuPlatform.ARM_SMMU_V3);
        iort.u8(48, 3);
        assertThat(AcpiTables.iortPlatform(iort.b)).isEqualTo(IommuPlatform.ARM_SMMU);
    }

    @Test
    void capturedDmarRmrrScopesResolveThroughBridges(@TempDir Path tmp) throws Exception {
        // copy an oracle snapshot and give it a DMAR with an RMRR naming 00:04.0 -> 00.0 (the port's child)
        Path snap = tmp.resolve("snap");
        copyTree(OracleSysfsCaptureTest.ORACLE.resolve("b-switch-intel"), snap);
        byte[] dmar = dmarWithRmrr();
        int s = 64 + 24;
        dmar[s + 6] = 0x04; // path hop 1: device 4 function 0 on bus 0 (root port, secondary bus 1)
        Files.writeString(snap.resolve("acpi/DMAR.hex"), od(dmar));
        Rmrr rmrr = Captures.readSysfs(snap).snapshot().getHost().getRmrrs().get(0);
        assertThat(rmrr.getBase()).isEqualTo(0x4c000000L);
        assertThat(rmrr.getDeviceScopes()).containsExactly("0000:01:00.0");
    }

    static void copyTree(Path from, Path to) throws Exception {
        try (var s = Files.walk(from)) {
            for (Path p : s.toList()) {
                Path dst = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) Files.createDirectories(dst);
                else Files.copy(p, dst);
            }
        }
    }
}
