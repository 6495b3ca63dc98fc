package io.iommutracker.emulator.format;

import static org.assertj.core.api.Assertions.assertThat;

import io.iommutracker.avro.DmarUnit;
import io.iommutracker.avro.HostDescribed;
import io.iommutracker.avro.VirtioResvMem;
import java.util.List;
import org.junit.jupiter.api.Test;

/** DMAR units from the kernel log and from the table, and the x86 virtio-iommu MSI window. */
class HostUnitsCaptureTest {

    @Test
    void logOnlyUnitsGetTheIgpuThenThunderboltPortScopes() throws Exception {
        Capture c = Captures.readCapture(RealdataCaptureTest.file("linuxhw__fw-tgl-6FA24440EFE3-5BB187865D__lspci"),
                RealdataCaptureTest.file("linuxhw__fw-tgl-6FA24440EFE3-5BB187865D__dmesg"));
        List<DmarUnit> units = c.snapshot().getHost().getDmarUnits();
        assertThat(units).extracting(DmarUnit::getBase).containsExactly(0xfed90000L, 0xfed84000L, 0xfed85000L,
                0xfed86000L, 0xfed87000L, 0xfed91000L);
        assertThat(units).extracting(DmarUnit::getDeviceScopes).containsExactly(List.of("0000:00:02.0"),
                List.of("0000:00:07.0"), List.of("0000:00:07.1"), List.of("0000:00:07.2"), List.of("0000:00:07.3"), List.of());
        assertThat(units.get(5).getIncludeAll()).isTrue();
    }

    @Test
    void tableUnitsCarryTheirScopes() throws Exception {
        HostDescribed h = Captures.readSysfs(OracleSysfsCaptureTest.ORACLE.resolve("a-q35-default")).snapshot().getHost();
        // QEMU 7.2's intel-iommu declares one unit naming each function of bus 0 (endpoint scopes) and the IOAPIC
        assertThat(h.getDmarUnits()).hasSize(1);
        assertThat(h.getDmarUnits().get(0).getIncludeAll()).isFalse();
        assertThat(h.getDmarUnits().get(0).getDeviceScopes()).contains("0000:00:00.0", "0000:00:1f.3")
                .doesNotContain("0000:00:ff.0");
        assertThat(h.getVirtioProbeRegions()).isEmpty();
    }

    @Test
    void x86VirtioIommuReportsTheApicMsiWindow() throws Exception {
        HostDescribed h = Captures.readSysfs(OracleSysfsCaptureTest.ORACLE.resolve("e-switch-virtio")).snapshot().getHost();
        assertThat(h.getVirtioProbeRegions()).extracting(VirtioResvMem::getSubtype, VirtioResvMem::getStart, VirtioResvMem::getEnd)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(1, 0xfee00000L, 0xfeefffffL));
        HostDescribed arm = Captures.readSysfs(OracleSysfsCaptureTest.ORACLE.resolve("j-smmuv3-arm64")).snapshot().getHost();
        assertThat(arm.getVirtioProbeRegions()).isEmpty();
    }
}
