package io.iommutracker.emulator.group;

import static io.iommutracker.emulator.TestHost.g;
import static io.iommutracker.emulator.TestHost.groups;
import static io.iommutracker.emulator.synth.PciDevices.at;
import static org.assertj.core.api.Assertions.assertThat;

import io.iommutracker.avro.IommuPlatform;
import io.iommutracker.avro.PcieType;
import io.iommutracker.emulator.RuleSet;
import io.iommutracker.emulator.TestHost;
import io.iommutracker.emulator.synth.PciDevices;
import org.junit.jupiter.api.Test;

/** iommu-model.md section 8: the group part of the conformance scenarios, built from PciEvents. */
class ConformanceScenariosTest {

    private static PciDevices rp(boolean acs) {
        PciDevices d = at("00:01.0").rootPort(1, 4);
        return acs ? d.acsOn() : d;
    }

    /** RP 00:01.0 → USP 01:00.0 → DSP0 02:00.0 (EP-A 03:00.0), DSP1 02:01.0 (EP-B 04:00.0). */
    private static TestHost withSwitch(TestHost h, boolean rpAcs, boolean dspAcs) {
        PciDevices dsp0 = at("02:00.0").downstreamPort(3, 3);
        PciDevices dsp1 = at("02:01.0").downstreamPort(4, 4);
        if (dspAcs) {
            dsp0.acsOn();
            dsp1.acsOn();
        }
        return h.add(rp(rpAcs), at("01:00.0").upstreamPort(2, 4), dsp0, dsp1, at("03:00.0").endpoint(), at("04:00.0").endpoint());
    }

    @Test
    void scenario1_isolatingRootPortGivesEndpointItsOwnGroup() {
        TestHost h = TestHost.of(IommuPlatform.INTEL_VT_D).add(rp(true), at("01:00.0").endpoint());
        assertThat(h.kernelPartition()).isEqualTo(groups(g("00:01.0"), g("01:00.0")));
        assertThat(h.livePartition()).isEqualTo(h.kernelPartition());
    }

    @Test
    void scenario2_rootPortWithoutAcsAbsorbsMultifunctionEndpoint() {
        TestHost h = TestHost.of(IommuPlatform.INTEL_VT_D)
                .add(rp(false), at("01:00.0").endpoint().multifunction(), at("01:00.1").endpoint().multifunction());
        assertThat(h.kernelPartition()).isEqualTo(groups(g("00:01.0", "01:00.0", "01:00.1")));
    }

    @Test
    void scenario3_functionsWithoutAcsShareAGroup() {
        TestHost h = TestHost.of(IommuPlatform.INTEL_VT_D)
                .add(rp(true), at("01:00.0").endpoint().multifunction(), at("01:00.1").endpoint().multifunction());
        assertThat(h.kernelPartition()).isEqualTo(groups(g("00:01.0"), g("01:00.0", "01:00.1")));
    }

    @Test
    void scenario4_unadvertisedControlsCountAsHardWired() {
        int rrCr = 0x04 | 0x08;
        TestHost h = TestHost.of(IommuPlatform.INTEL_VT_D).add(rp(true),
                at("01:00.0").endpoint().multifunction().acs(rrCr, rrCr), at("01:00.1").endpoint().multifunction().acs(rrCr, rrCr));
        assertThat(h.kernelPartition()).isEqualTo(groups(g("00:01.0"), g("01:00.0"), g("01:00.1")));
    }

    @Test
    void scenario5_siblingDownstreamPortsWithoutAcsGetSeparateGroupsInMainline() {
        TestHost h = withSwitch(TestHost.of(IommuPlatform.AMD_VI), true, false);
        assertThat(h.kernelPartition()).isEqualTo(groups(g("00:01.0"), g("01:00.0"), g("02:00.0", "03:00.0"), g("02:01.0", "04:00.0")));
        assertThat(h.livePartition()).isEqualTo(h.kernelPartition());
        // The posted series merges what sits below ACS-less sibling downstream ports. These ports have no ACS
        // capability at all, so pci_acs_enabled(dsp, USP_MT_RR) fails too (v3 11/11) and the upstream port joins.
        assertThat(h.livePartition(RuleSet.ACS_GROUPS_SERIES))
                .isEqualTo(groups(g("00:01.0"), g("01:00.0", "02:00.0", "03:00.0", "02:01.0", "04:00.0")));
        // Ports with the capability and its controls off: the USP's MMIO is taken as redirected (no ACS Enhanced, so
        // RR implies it), and only the downstream ports share a group.
        TestHost off = TestHost.of(IommuPlatform.AMD_VI).add(rp(true), at("01:00.0").upstreamPort(2, 4),
                at("02:00.0").downstreamPort(3, 3).acs(0x1d, 0), at("02:01.0").downstreamPort(4, 4).acs(0x1d, 0),
                at("03:00.0").endpoint(), at("04:00.0").endpoint());
        assertThat(off.livePartition(RuleSet.ACS_GROUPS_SERIES))
                .isEqualTo(groups(g("00:01.0"), g("01:00.0"), g("02:00.0", "03:00.0", "02:01.0", "04:00.0")));
        assertThat(off.livePartition()).isEqualTo(h.kernelPartition());
    }

    @Test
    void scenario6_smmuv3WithAcsEverywhereGivesSingletons() {
        TestHost h = TestHost.arm(io.iommutracker.avro.FirmwareKind.ACPI);
        h.add(at("00:01.0").rootPort(1, 4).acsOn().driver("pcieport"), at("01:00.0").upstreamPort(2, 4).driver("pcieport"),
                at("02:00.0").downstreamPort(3, 3).acsOn().driver("pcieport"),
                at("02:01.0").downstreamPort(4, 4).acsOn().driver("pcieport"),
                at("03:00.0").endpoint().driver("nvme"), at("04:00.0").endpoint().driver("nvme"));
        assertThat(h.kernelPartition()).hasSize(6).allSatisfy(s -> assertThat(s).hasSize(1));
    }

    @Test
    void scenario7_rootPortWithoutAcsPullsTheWholeSwitchIntoOneGroup() {
        TestHost h = withSwitch(TestHost.of(IommuPlatform.INTEL_VT_D), false, true);
        assertThat(h.kernelPartition()).isEqualTo(groups(g("00:01.0", "01:00.0", "02:00.0", "02:01.0", "03:00.0", "04:00.0")));
        assertThat(h.livePartition()).isEqualTo(h.kernelPartition());
    }

    @Test
    void scenario8a_pcieToPciBridgeTakesItsConventionalDevices() {
        TestHost h = TestHost.of(IommuPlatform.INTEL_VT_D).add(rp(true),
                at("01:00.0").type(PcieType.PCIE_TO_PCI_BRIDGE).classCode(0x060400).bridge(2, 2),
                at("02:01.0").type(PcieType.NOT_PCIE), at("02:02.0").type(PcieType.NOT_PCIE));
        assertThat(h.kernelPartition()).isEqualTo(groups(g("00:01.0"), g("01:00.0", "02:01.0", "02:02.0")));
        assertThat(h.livePartition()).isEqualTo(h.kernelPartition());
        // The series drops the bridge from its children's group.
        assertThat(h.livePartition(RuleSet.ACS_GROUPS_SERIES)).isEqualTo(groups(g("00:01.0"), g("01:00.0"), g("02:01.0", "02:02.0")));
    }

    @Test
    void scenario8b_conventionalBridgeOnTheRootBus() {
        TestHost h = TestHost.of(IommuPlatform.INTEL_VT_D).add(
                at("00:1e.0").type(PcieType.NOT_PCIE).classCode(0x060401).bridge(5, 5),
                at("05:00.0").type(PcieType.NOT_PCIE), at("05:01.0").type(PcieType.NOT_PCIE));
        assertThat(h.kernelPartition()).isEqualTo(groups(g("00:1e.0", "05:00.0", "05:01.0")));
        assertThat(h.livePartition()).isEqualTo(h.kernelPartition());
    }

    @Test
    void scenario9_marvellGhostFunctionAliasPullsInALaterRealFunction() {
        TestHost h = TestHost.of(IommuPlatform.INTEL_VT_D).add(rp(true), at("01:00.0").ids(0x1b4b, 0x9230).classCode(0x010601));
        assertThat(h.kernelPartition()).isEqualTo(groups(g("00:01.0"), g("01:00.0")));
        h.add(at("01:00.1").ids(0x1b4b, 0x9230).classCode(0x010185));
        assertThat(h.kernelPartition()).isEqualTo(groups(g("00:01.0"), g("01:00.0", "01:00.1")));
        assertThat(h.livePartition()).isEqualTo(h.kernelPartition());
    }

    @Test
    void scenario11_conventionalPchFunctionsShareOneGroup() {
        TestHost h = TestHost.of(IommuPlatform.INTEL_VT_D).add(
                at("00:1f.0").type(PcieType.NOT_PCIE).classCode(0x060100).multifunction(),
                at("00:1f.3").type(PcieType.NOT_PCIE).classCode(0x040300),
                at("00:1f.4").type(PcieType.NOT_PCIE).classCode(0x0c0500),
                at("00:1f.5").type(PcieType.NOT_PCIE).classCode(0x0c8000));
        assertThat(h.kernelPartition()).isEqualTo(groups(g("00:1f.0", "00:1f.3", "00:1f.4", "00:1f.5")));
    }

    @Test
    void scenario12_intelRcieps_areIsolatedByTheQuirk() {
        TestHost h = TestHost.of(IommuPlatform.INTEL_VT_D).add(
                at("00:0a.0").type(PcieType.RC_INTEGRATED_ENDPOINT).multifunction(),
                at("00:0a.1").type(PcieType.RC_INTEGRATED_ENDPOINT).multifunction());
        assertThat(h.kernelPartition()).isEqualTo(groups(g("00:0a.0"), g("00:0a.1")));
        // The same functions from another vendor have no quirk.
        TestHost other = TestHost.of(IommuPlatform.INTEL_VT_D).add(
                at("00:0a.0").ids(0x10ee, 0x1).type(PcieType.RC_INTEGRATED_ENDPOINT).multifunction(),
                at("00:0a.1").ids(0x10ee, 0x1).type(PcieType.RC_INTEGRATED_ENDPOINT).multifunction());
        assertThat(other.kernelPartition()).isEqualTo(groups(g("00:0a.0", "00:0a.1")));
    }

    @Test
    void scenario13_intelPchRootPortDependsOnTheEnableQuirk() {
        var ok = io.iommutracker.avro.HostDescribed.newBuilder().setPlatform(IommuPlatform.INTEL_VT_D).setIntelPchAcsQuirk(true).build();
        var failed = io.iommutracker.avro.HostDescribed.newBuilder().setPlatform(IommuPlatform.INTEL_VT_D).setIntelPchAcsQuirk(false).build();
        PciDevices pchRp = at("00:1c.0").ids(0x8086, 0x8c10).rootPort(1, 1);
        TestHost enabled = TestHost.describe(ok).add(pchRp, at("01:00.0").endpoint());
        assertThat(enabled.kernelPartition()).isEqualTo(groups(g("00:1c.0"), g("01:00.0")));
        TestHost disabled = TestHost.describe(failed).add(at("00:1c.0").ids(0x8086, 0x8c10).rootPort(1, 1), at("01:00.0").endpoint());
        assertThat(disabled.kernelPartition()).isEqualTo(groups(g("00:1c.0", "01:00.0")));
    }

    @Test
    void scenario16_amdSouthbridgeFunctionsAreIsolatedWithIvrs() {
        PciDevices smbus = at("00:14.0").ids(0x1002, 0x4385).type(PcieType.NOT_PCIE).multifunction();
        PciDevices hda = at("00:14.2").ids(0x1002, 0x4383).type(PcieType.NOT_PCIE).multifunction();
        assertThat(TestHost.of(IommuPlatform.AMD_VI).add(smbus, hda).kernelPartition())
                .isEqualTo(groups(g("00:14.0"), g("00:14.2")));
        // Without an IVRS table (an Intel host) the quirk does not answer.
        assertThat(TestHost.of(IommuPlatform.INTEL_VT_D).add(
                at("00:14.0").ids(0x1002, 0x4385).type(PcieType.NOT_PCIE).multifunction(),
                at("00:14.2").ids(0x1002, 0x4383).type(PcieType.NOT_PCIE).multifunction()).kernelPartition())
                .isEqualTo(groups(g("00:14.0", "00:14.2")));
    }

    @Test
    void scenario24_virtualFunctionsAreSingletonsUnlessTheRootPortLeaks() {
        TestHost h = TestHost.of(IommuPlatform.INTEL_VT_D).add(rp(true), at("01:00.0").endpoint(),
                at("01:00.1").virtfn("0000:01:00.0"), at("01:00.2").virtfn("0000:01:00.0"));
        assertThat(h.kernelPartition()).isEqualTo(groups(g("00:01.0"), g("01:00.0"), g("01:00.1"), g("01:00.2")));
        TestHost leaky = TestHost.of(IommuPlatform.INTEL_VT_D).add(rp(false), at("01:00.0").endpoint(),
                at("01:00.1").virtfn("0000:01:00.0"), at("01:00.2").virtfn("0000:01:00.0"));
        assertThat(leaky.kernelPartition()).isEqualTo(groups(g("00:01.0", "01:00.0", "01:00.1", "01:00.2")));
    }
}
