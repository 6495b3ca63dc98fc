package io.iommutracker.emulator.format;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.iommutracker.avro.AcsCapability;
import io.iommutracker.avro.BridgeInfo;
import io.iommutracker.avro.PcieType;
import io.iommutracker.avro.Window;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class ConfigSpaceTest {

    /** A root port: MSI at 0x50 -> Express at 0x60 -> MSI-X at 0x80; ACS at 0x100 -> ATS 0x140 -> SR-IOV 0x180. */
    private static ConfigBytes rootPort() {
        return ConfigBytes.header(4096, 0x8086, 0x1234, 0x060400, 0x81, 0x50)
                .u8(0x18, 0x00).u8(0x19, 0x02).u8(0x1a, 0x05)
                .u8(0x1c, 0x11).u8(0x1d, 0x21).u16(0x30, 0x0001).u16(0x32, 0x0001)
                .u16(0x20, 0xfe00).u16(0x22, 0xfe10)
                .u16(0x24, 0x0001 | 0x8000).u16(0x26, 0x0001 | 0x8ff0).u32(0x28, 0x60).u32(0x2c, 0x60)
                .u8(0x50, 0x05).u8(0x51, 0x60).u16(0x52, 0x0080 | (2 << 4) | (3 << 1) | 1)
                .u32(0x54, 0xfee00000L).u32(0x58, 0)
                .u8(0x60, 0x10).u8(0x61, 0x80).u16(0x62, 0x0042)
                .u8(0x80, 0x11).u8(0x81, 0x00).u16(0x82, 0x8000 | 0x4000 | 15)
                .u32(0x100, 0x0d | (1 << 16) | (0x140L << 20)).u16(0x104, 0x005f).u16(0x106, 0x001d)
                .u32(0x140, 0x0f | (1 << 16) | (0x180L << 20)).u16(0x146, 0x8000)
                .u32(0x180, 0x10 | (1 << 16)).u16(0x188, 1).u16(0x18e, 8).u16(0x190, 4).u16(0x194, 0x80)
                .u16(0x196, 2).u16(0x19a, 0x10ed);
    }

    @Test
    void walksBothCapabilityLists() {
        ConfigSpace c = ConfigSpace.decode(rootPort().b);
        assertThat(c.vendorId()).isEqualTo(0x8086);
        assertThat(c.classCode()).isEqualTo(0x060400);
        assertThat(c.headerType()).isEqualTo(1);
        assertThat(c.multifunction()).isTrue();
        assertThat(c.capabilitiesKnown()).isTrue();
        assertThat(c.pcieType()).isEqualTo(PcieType.ROOT_PORT);
        assertThat(c.pcieCapOffset()).isEqualTo(0x60);
        assertThat(c.acs()).contains(new AcsCapability(0x100, 0x5f, 0x1d));
        assertThat(c.atsEnabled()).isTrue();
        assertThat(c.msi()).hasValueSatisfying(m -> {
            assertThat(m.getEnabled()).isTrue();
            assertThat(m.getVectors()).isEqualTo(4);
            assertThat(m.getMaxVectors()).isEqualTo(8);
            assertThat(m.getAddress()).isEqualTo(0xfee00000L);
        });
        assertThat(c.msix()).hasValueSatisfying(m -> {
            assertThat(m.getEnabled()).isTrue();
            assertThat(m.getMasked()).isTrue();
            assertThat(m.getTableSize()).isEqualTo(16);
        });
        assertThat(c.sriov()).contains(new ConfigSpace.Sriov(0x180, true, 8, 4, 0x80, 2, 0x10ed));
    }

    @Test
    void decodesBridgeBusNumbersAndWindows() {
        BridgeInfo b = ConfigSpace.decode(rootPort().b).bridge().orElseThrow();
        assertThat(b.getPrimary()).isEqualTo(0);
        assertThat(b.getSecondary()).isEqualTo(2);
        assertThat(b.getSubordinate()).isEqualTo(5);
        assertThat(b.getIoWindow()).isEqualTo(new Window(0x11000L, 0x12fffL)); // 32-bit I/O, upper 16 bits = 1
        assertThat(b.getMemWindow()).isEqualTo(new Window(0xfe000000L, 0xfe1fffffL));
        assertThat(b.getPrefWindow()).isEqualTo(new Window(0x6080000000L, 0x608fffffffL));
    }

    @Test
    void closedWindowsAndNoExpressCapability() {
        ConfigBytes pciBridge = ConfigBytes.header(256, 0x1b36, 0x0001, 0x060400, 0x01, 0x40)
                .u8(0x40, 0x0c).u8(0x41, 0x00) // a vendor-specific capability only
                .u16(0x20, 0xfff0).u16(0x22, 0x0000).u16(0x24, 0xfff1).u16(0x26, 0x0001);
        ConfigSpace c = ConfigSpace.decode(pciBridge.b);
        assertThat(c.pcieType()).isEqualTo(PcieType.NOT_PCIE);
        assertThat(c.capabilitiesKnown()).isTrue();
        assertThat(c.bridge().orElseThrow().getIoWindow()).isNull();
        assertThat(c.bridge().orElseThrow().getMemWindow()).isNull();
        assertThat(c.bridge().orElseThrow().getPrefWindow()).isNull();
        assertThat(c.multifunction()).isFalse();
    }

    @Test
    void unprivilegedReadsLeaveCapabilitiesUnknown() {
        byte[] all = rootPort().b;
        byte[] first64 = java.util.Arrays.copyOf(all, 64); // what a non-root reader gets from sysfs
        ConfigSpace c = ConfigSpace.decode(first64);
        assertThat(c.capabilitiesKnown()).isFalse();
        assertThat(c.pcieType()).isEqualTo(PcieType.UNKNOWN);
        assertThat(c.bridge().orElseThrow().getSecondary()).isEqualTo(2); // the header is still there
        // 256 bytes: the Express capability is readable, the extended list (ACS) is not
        ConfigSpace c256 = ConfigSpace.decode(java.util.Arrays.copyOf(all, 256));
        assertThat(c256.capabilitiesKnown()).isFalse();
        assertThat(c256.pcieType()).isEqualTo(PcieType.UNKNOWN);
    }

    @Test
    void capabilityLoopsEnd() {
        ConfigBytes loop = ConfigBytes.header(256, 1, 2, 0x020000, 0, 0x40).u8(0x40, 0x05).u8(0x41, 0x40);
        ConfigSpace c = ConfigSpace.decode(loop.b);
        assertThat(c.pcieType()).isEqualTo(PcieType.NOT_PCIE);
        assertThat(c.msi()).isPresent();
    }

    @Test
    void refusesLessThanTheHeader() {
        assertThatThrownBy(() -> ConfigSpace.decode(new byte[32])).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("32 bytes");
    }

    @Test
    void oracleDownstreamPortConfigMatchesTheHarnessCaps() throws Exception {
        Path dir = OracleSysfsCaptureTest.ORACLE.resolve("b-switch-intel/pci/0000:02:00.0");
        ConfigSpace c = ConfigSpace.decode(Files.readAllBytes(dir.resolve("config")));
        assertThat(c.pcieType()).isEqualTo(PcieType.DOWNSTREAM_PORT);
        assertThat(c.acs()).isEmpty();
        assertThat(Files.readString(dir.resolve("caps"))).contains("type=SwitchDownstream(6)");
        assertThat(c.bridge().orElseThrow().getSecondary()).isEqualTo(3);
    }
}
