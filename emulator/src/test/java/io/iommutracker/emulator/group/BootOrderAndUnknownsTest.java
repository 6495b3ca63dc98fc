package io.iommutracker.emulator.group;

import static org.assertj.core.api.Assertions.assertThat;

import io.iommutracker.avro.DmarUnit;
import io.iommutracker.avro.GroupView;
import io.iommutracker.avro.HostDescribed;
import io.iommutracker.avro.HostSnapshot;
import io.iommutracker.avro.IommuPlatform;
import io.iommutracker.avro.PciDeviceInfo;
import io.iommutracker.avro.PciEvent;
import io.iommutracker.avro.PcieType;
import io.iommutracker.emulator.HostState;
import io.iommutracker.emulator.synth.PciDevices;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** Boot probe order (DMAR units, fwspec binding), AMD untranslated functions, the unknown-capabilities policy. */
class BootOrderAndUnknownsTest {

    private static Map<String, Integer> groups(HostDescribed host, List<PciDeviceInfo> devices) throws Exception {
        HostState s = HostState.empty("h").apply(new PciEvent("h", 1L, Instant.EPOCH, "t", new HostSnapshot(host, devices)));
        Map<String, Integer> out = new TreeMap<>();
        for (GroupView g : s.view().getKernelGroups()) {
            g.getDevices().forEach(d -> out.put(d, g.getId()));
        }
        return out;
    }

    private static HostDescribed host(IommuPlatform p, String release, List<DmarUnit> units) {
        return HostDescribed.newBuilder().setPlatform(p).setKernelRelease(release).setDmarUnits(units).build();
    }

    private static List<PciDeviceInfo> tigerLakeLike() {
        return List.of(PciDevices.at("0000:00:00.0").ids(0x8086, 0x9a14).classCode(0x060000).endpoint().build(),
                PciDevices.at("0000:00:02.0").ids(0x8086, 0x9a49).classCode(0x030000).endpoint().build(),
                PciDevices.at("0000:00:07.0").ids(0x8086, 0x9a23).rootPort(1, 1).acsOn().build(),
                PciDevices.at("0000:00:07.1").ids(0x8086, 0x9a25).rootPort(2, 2).acsOn().build());
    }

    @Test
    void vtdProbesScopedUnitsInReverseTableOrderThenIncludeAll() throws Exception {
        List<DmarUnit> table = List.of(new DmarUnit(1L, false, List.of("0000:00:02.0")),
                new DmarUnit(2L, false, List.of("0000:00:07.0")), new DmarUnit(3L, false, List.of("0000:00:07.1")),
                new DmarUnit(4L, true, List.of()));
        Map<String, Integer> g = groups(host(IommuPlatform.INTEL_VT_D, "6.8.0", table), tigerLakeLike());
        assertThat(g).containsEntry("0000:00:07.1", 0).containsEntry("0000:00:07.0", 1)
                .containsEntry("0000:00:02.0", 2).containsEntry("0000:00:00.0", 3);
        // before 6.1 bus_set_iommu() probed the bus once, in enumeration order
        Map<String, Integer> old = groups(host(IommuPlatform.INTEL_VT_D, "5.15.0", table), tigerLakeLike());
        assertThat(old).containsEntry("0000:00:00.0", 0).containsEntry("0000:00:02.0", 1);
    }

    @Test
    void vtdWithoutUnitsAssumesTheIgpuUnit() throws Exception {
        Map<String, Integer> g = groups(host(IommuPlatform.INTEL_VT_D, "", List.of()), tigerLakeLike());
        assertThat(g).containsEntry("0000:00:02.0", 0).containsEntry("0000:00:00.0", 1).containsEntry("0000:00:07.0", 2);
    }

    @Test
    void fwspecGroupsPortsBoundToPcieportFirst() throws Exception {
        List<PciDeviceInfo> devs = List.of(PciDevices.at("0000:00:00.0").classCode(0x060000).endpoint().driver("stub").build(),
                PciDevices.at("0000:00:04.0").rootPort(1, 1).acsOn().driver("pcieport").build(),
                PciDevices.at("0000:01:00.0").endpoint().driver("nvme").build());
        Map<String, Integer> g = groups(host(IommuPlatform.ARM_SMMU_V3, "", List.of()), devs);
        assertThat(g).containsEntry("0000:00:04.0", 0).containsEntry("0000:00:00.0", 1).containsEntry("0000:01:00.0", 2);
    }

    @Test
    void amdIommuFunctionAndRootComplexGetNoGroup() throws Exception {
        List<PciDeviceInfo> devs = List.of(PciDevices.at("0000:00:00.0").ids(0x1022, 0x1630).classCode(0x060000).endpoint().build(),
                PciDevices.at("0000:00:00.2").ids(0x1022, 0x1631).classCode(0x080600).endpoint().build(),
                PciDevices.at("0000:00:01.0").ids(0x1022, 0x1632).classCode(0x060000).endpoint().build());
        Map<String, Integer> g = groups(host(IommuPlatform.AMD_VI, "", List.of()), devs);
        assertThat(g).containsOnlyKeys("0000:00:01.0").containsEntry("0000:00:01.0", 0);
    }

    private static PciDeviceInfo unknown(PciDeviceInfo d) {
        return PciDeviceInfo.newBuilder(d).setCapabilitiesKnown(false).setPcieType(PcieType.UNKNOWN).setAcs(null).build();
    }

    @Test
    void unknownCapabilitiesPegPortHasNoAcsOtherPortsDo() throws Exception {
        List<PciDeviceInfo> devs = List.of(
                unknown(PciDevices.at("0000:00:01.0").ids(0x8086, 0x1901).classCode(0x060400).rootPort(1, 1).build()),
                unknown(PciDevices.at("0000:00:1d.0").ids(0x8086, 0x1234).classCode(0x060400).rootPort(2, 2).build()),
                unknown(PciDevices.at("0000:01:00.0").ids(0x10de, 0x2584).classCode(0x030000).endpoint().build()),
                unknown(PciDevices.at("0000:02:00.0").ids(0x144d, 0xa808).classCode(0x010802).endpoint().build()));
        Map<String, Integer> g = groups(host(IommuPlatform.INTEL_VT_D, "", List.of()), devs);
        assertThat(g.get("0000:01:00.0")).isEqualTo(g.get("0000:00:01.0"));
        assertThat(g.get("0000:02:00.0")).isNotEqualTo(g.get("0000:00:1d.0"));
    }

    @Test
    void unknownBridgeWithOnlyEndpointsBelowIsAPcieToPciBridge() throws Exception {
        List<PciDeviceInfo> devs = List.of(
                unknown(PciDevices.at("0000:00:1c.0").ids(0x8086, 0x1234).classCode(0x060400).rootPort(1, 2).build()),
                unknown(PciDevices.at("0000:01:00.0").ids(0x1a03, 0x1150).classCode(0x060400).bridge(2, 2).build()),
                unknown(PciDevices.at("0000:02:00.0").ids(0x1a03, 0x2000).classCode(0x030000).endpoint().build()));
        Map<String, Integer> g = groups(host(IommuPlatform.INTEL_VT_D, "", List.of()), devs);
        assertThat(g.get("0000:02:00.0")).isEqualTo(g.get("0000:01:00.0")).isNotEqualTo(g.get("0000:00:1c.0"));
    }
}
