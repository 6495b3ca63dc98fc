package io.iommutracker.emulator.acs;

import static org.assertj.core.api.Assertions.assertThat;

import io.iommutracker.avro.GroupView;
import io.iommutracker.avro.HostDescribed;
import io.iommutracker.avro.HostSnapshot;
import io.iommutracker.avro.IommuPlatform;
import io.iommutracker.avro.PciDeviceInfo;
import io.iommutracker.avro.PciEvent;
import io.iommutracker.avro.PcieType;
import io.iommutracker.emulator.HostState;
import io.iommutracker.emulator.model.Topology;
import io.iommutracker.emulator.synth.PciDevices;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** The per-id ACS facts used when a capture cannot show capabilities, and what grouping makes of them. */
class KnownCapabilitiesTest {

    private static PciDeviceInfo unknown(PciDevices b, int revision) {
        return PciDeviceInfo.newBuilder(b.build()).setCapabilitiesKnown(false).setPcieType(PcieType.UNKNOWN)
                .setAcs(null).setRevision(revision).build();
    }

    private static Map<String, Integer> kernelGroups(List<PciDeviceInfo> devices) throws Exception {
        HostDescribed host = HostDescribed.newBuilder().setPlatform(IommuPlatform.AMD_VI).build();
        HostState s = HostState.empty("h").apply(new PciEvent("h", 1L, Instant.EPOCH, "t", new HostSnapshot(host, devices)));
        Map<String, Integer> out = new TreeMap<>();
        for (GroupView g : s.view().getKernelGroups()) {
            g.getDevices().forEach(d -> out.put(d, g.getId()));
        }
        return out;
    }

    @Test
    void aRowMatchesItsIdAndRevisionOnly() {
        PciDeviceInfo zeppelinSata = unknown(PciDevices.at("0000:0b:00.2").ids(0x1022, 0x7901).endpoint(), 0x51);
        PciDeviceInfo cezanneSata = unknown(PciDevices.at("0000:08:00.0").ids(0x1022, 0x7901).endpoint(), 0x81);
        PciDeviceInfo otherSata = unknown(PciDevices.at("0000:08:00.0").ids(0x1022, 0x7901).endpoint(), 0x61);
        assertThat(KnownCapabilities.lookup(zeppelinSata)).hasValueSatisfying(f -> assertThat(f.acsCap()).isZero());
        assertThat(KnownCapabilities.lookup(cezanneSata)).hasValueSatisfying(f -> assertThat(f.acsCap()).isNull());
        assertThat(KnownCapabilities.lookup(otherSata)).isEmpty();
        assertThat(KnownCapabilities.FACTS).allSatisfy(f -> assertThat(f.evidence()).contains("linuxhw/LsPCI"));
    }

    @Test
    void tableFactsReplaceTheKindAssumptionForPorts() {
        PciDeviceInfo tunnel = unknown(PciDevices.at("0000:00:03.1").ids(0x1022, 0x14ef).classCode(0x060400).rootPort(3, 3), 0);
        PciDeviceInfo gpp = unknown(PciDevices.at("0000:00:02.2").ids(0x1022, 0x14ee).classCode(0x060400).rootPort(1, 1), 0);
        PciDeviceInfo other = unknown(PciDevices.at("0000:00:01.1").ids(0x1022, 0x1453).classCode(0x060400).rootPort(2, 2), 0);
        // a bridge on a root bus is a root port; without a row every root port is taken to carry ACS
        assertThat(UnknownCapabilities.assume(other, null, Topology.empty()).getAcs()).isNotNull();
        assertThat(UnknownCapabilities.assume(tunnel, null, Topology.empty()).getAcs()).isNull();
        assertThat(UnknownCapabilities.assume(gpp, null, Topology.empty()).getAcs().getCap())
                .isEqualTo(AcsFlags.SV | AcsFlags.TB | AcsFlags.RR | AcsFlags.CR | AcsFlags.UF | AcsFlags.DT);
        // a capture that shows the registers is never overridden by the table
        PciDeviceInfo seen = PciDevices.at("0000:00:03.1").ids(0x1022, 0x14ef).rootPort(3, 3).acsOn().build();
        assertThat(UnknownCapabilities.assume(seen, null, Topology.empty())).isSameAs(seen);
    }

    @Test
    void zeppelinFunctionsWithTheirAcsAreIsolatedAndAnUnlistedSiblingToo() throws Exception {
        List<PciDeviceInfo> devs = List.of(
                unknown(PciDevices.at("0000:00:07.1").ids(0x1022, 0x1454).classCode(0x060400).rootPort(0x0a, 0x0a), 0),
                unknown(PciDevices.at("0000:0a:00.0").ids(0x1022, 0x145a).classCode(0x130000).endpoint().multifunction(), 0),
                unknown(PciDevices.at("0000:0a:00.2").ids(0x1022, 0x1456).classCode(0x108000).endpoint().multifunction(), 0),
                // 1022:145f (Zeppelin xHCI on Ryzen desktops) has no row: no ACS is assumed for it, yet
                // get_pci_function_alias_group() only joins siblings that lack ACS, and both siblings have it.
                unknown(PciDevices.at("0000:0a:00.3").ids(0x1022, 0x145f).classCode(0x0c0330).endpoint().multifunction(), 0));
        Map<String, Integer> g = kernelGroups(devs);
        assertThat(g.values()).hasSize(4).doesNotHaveDuplicates();
    }

    @Test
    void functionsWithoutRowsStayTogether() throws Exception {
        List<PciDeviceInfo> devs = List.of(
                unknown(PciDevices.at("0000:00:08.1").ids(0x1022, 0x1635).classCode(0x060400).rootPort(0x07, 0x07), 0),
                unknown(PciDevices.at("0000:07:00.3").ids(0x1022, 0x1639).classCode(0x0c0330).endpoint().multifunction(), 0),
                unknown(PciDevices.at("0000:07:00.4").ids(0x1022, 0x1639).classCode(0x0c0330).endpoint().multifunction(), 0),
                unknown(PciDevices.at("0000:07:00.6").ids(0x1022, 0x15e3).classCode(0x040300).endpoint().multifunction(), 0));
        Map<String, Integer> g = kernelGroups(devs);
        assertThat(g.get("0000:07:00.3")).isEqualTo(g.get("0000:07:00.4")).isEqualTo(g.get("0000:07:00.6"))
                .isNotEqualTo(g.get("0000:00:08.1"));
    }

    @Test
    void assumedForListsOnlyFunctionsWhoseCaptureHidTheirCapabilities() {
        PciDeviceInfo hidden = unknown(PciDevices.at("0000:0a:00.0").ids(0x1022, 0x145a).endpoint(), 0);
        PciDeviceInfo shown = PciDevices.at("0000:0e:00.0").ids(0x1022, 0x145a).endpoint().acs(0, 0).build();
        PciDeviceInfo unlisted = unknown(PciDevices.at("0000:0a:00.3").ids(0x1022, 0x145f).endpoint(), 0);
        assertThat(KnownCapabilities.assumedFor(List.of(hidden, shown, unlisted)))
                .extracting(KnownCapabilities.Assumed::bdf).containsExactly(hidden.getBdf());
        assertThat(KnownCapabilities.lookup(hidden).orElseThrow().describe())
                .isEqualTo("1022:145a rev 00: ACS capability (cap 0x0000)");
    }
}
