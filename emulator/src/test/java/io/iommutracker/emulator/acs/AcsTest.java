package io.iommutracker.emulator.acs;

import static org.assertj.core.api.Assertions.assertThat;

import io.iommutracker.avro.PcieType;
import io.iommutracker.emulator.RuleSet;
import io.iommutracker.emulator.cmdline.KernelCommandLine;
import io.iommutracker.emulator.model.Bdf;
import io.iommutracker.emulator.model.Device;
import io.iommutracker.emulator.model.Topology;
import io.iommutracker.emulator.synth.PciDevices;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class AcsTest {

    private static final AcsPolicy MAINLINE = new AcsPolicy(RuleSet.MAINLINE, Optional.empty(), false);

    private static Device dev(PciDevices b) {
        var info = b.build();
        return new Device(Bdf.parse(info.getBdf()), info, 0, null);
    }

    private static boolean enabled(PciDevices b) {
        Device d = dev(b);
        return Acs.enabled(d, AcsFlags.REQ_ACS_FLAGS, Topology.empty().with(d), MAINLINE);
    }

    @Test
    void flagsEnabledMasksRequestWithCapAndEgressControl() {
        assertThat(Acs.flagsEnabled(dev(PciDevices.at("00:01.0").acs(0x1d, 0x1d)), 0x1d)).isTrue();
        assertThat(Acs.flagsEnabled(dev(PciDevices.at("00:01.0").acs(0x1d, 0x19)), 0x1d)).isFalse();
        assertThat(Acs.flagsEnabled(dev(PciDevices.at("00:01.0").acs(0x0c, 0x0c)), 0x1d)).isTrue();
        assertThat(Acs.flagsEnabled(dev(PciDevices.at("00:01.0").acs(0, 0)), 0x3d)).isFalse(); // EC is always requested
        assertThat(Acs.flagsEnabled(dev(PciDevices.at("00:01.0")), 0x1d)).isFalse();
    }

    @Test
    void perTypeRules() {
        assertThat(enabled(PciDevices.at("00:01.0").rootPort(1, 1))).isFalse();
        assertThat(enabled(PciDevices.at("00:01.0").ids(0x10ee, 1).endpoint())).isTrue();
        assertThat(enabled(PciDevices.at("00:01.0").ids(0x10ee, 1).endpoint().multifunction())).isFalse();
        assertThat(enabled(PciDevices.at("00:01.0").ids(0x10ee, 1).type(PcieType.NOT_PCIE))).isFalse();
        assertThat(enabled(PciDevices.at("00:01.0").ids(0x10ee, 1).type(PcieType.PCIE_TO_PCI_BRIDGE).bridge(1, 1))).isFalse();
    }

    @Test
    void quirkTableAnswersBeforeTheCapability() {
        // Zhaoxin listed ports are isolated, unlisted ones answer "not enabled" even with a perfect ACS cap.
        assertThat(enabled(PciDevices.at("00:01.0").ids(0x1d17, 0x0715).rootPort(1, 1))).isTrue();
        assertThat(enabled(PciDevices.at("00:01.0").ids(0x1d17, 0x0722).rootPort(1, 1).acsOn())).isFalse();
        // Wangxun NICs: listed ids isolate their functions, others are "not enabled".
        assertThat(enabled(PciDevices.at("00:01.0").ids(0x8088, 0x1001).multifunction())).isTrue();
        assertThat(enabled(PciDevices.at("00:01.0").ids(0x8088, 0x0200).acsOn())).isFalse();
        // Intel I350 functions are covered by mf_endpoint_acs.
        assertThat(enabled(PciDevices.at("00:01.0").ids(0x8086, 0x1521).multifunction())).isTrue();
        // Cavium ThunderX root ports.
        assertThat(enabled(PciDevices.at("00:01.0").ids(0x177d, 0xa100).rootPort(1, 1))).isTrue();
    }

    @Test
    void kernelEnablingSetsAdvertisedControlsOnlyWhenAnIommuAskedForThem() {
        var intel = io.iommutracker.avro.HostDescribed.newBuilder().setPlatform(io.iommutracker.avro.IommuPlatform.INTEL_VT_D).build();
        Device port = dev(PciDevices.at("00:01.0").rootPort(1, 1).acs(0x5f, 0));
        Device on = AcsEnabling.enable(port, intel, KernelCommandLine.NONE);
        assertThat(on.acsCtrl()).isEqualTo(0x1d); // SV|RR|CR|UF, not TB/EC/DT
        assertThat(AcsEnabling.enable(port, intel, KernelCommandLine.parse("pci=noats")).acsCtrl()).isEqualTo(0x1f);
        assertThat(AcsEnabling.enable(port, null, KernelCommandLine.NONE).acsCtrl()).isZero();
        // Command-line overrides apply even without an IOMMU.
        assertThat(AcsEnabling.enable(port, null, KernelCommandLine.parse("pci=config_acs=1x1@00:01.0")).acsCtrl()).isEqualTo(0x05);
    }

    @Test
    void seriesRequiresTheAcsEnhancedControlsOnPortsThatAdvertiseThem() {
        AcsPolicy series = new AcsPolicy(RuleSet.ACS_GROUPS_SERIES, Optional.empty(), false, true);
        AcsPolicy seriesNoEnable = new AcsPolicy(RuleSet.ACS_GROUPS_SERIES, Optional.empty(), false, false);
        int enhanced = 0x5f | AcsFlags.ENHANCED;
        // ENHANCED advertised, the enhanced controls off as a mainline kernel leaves them: the series kernel sets
        // USP_MT_RR|DSP_MT_RR|UNCLAIMED_RR itself when it enables ACS, and without that the port is not isolated.
        for (PciDevices port : List.of(PciDevices.at("00:01.0").rootPort(1, 1).acs(enhanced, 0x1d),
                PciDevices.at("02:00.0").downstreamPort(3, 3).acs(enhanced, 0x1d))) {
            Device d = dev(port);
            Topology t = Topology.empty().with(d);
            assertThat(Acs.enabled(d, AcsFlags.REQ_ACS_FLAGS, t, MAINLINE)).isTrue();
            assertThat(Acs.enabled(d, AcsFlags.REQ_ACS_FLAGS, t, series)).isTrue();
            assertThat(Acs.enabled(d, AcsFlags.REQ_ACS_FLAGS, t, seriesNoEnable)).isFalse();
        }
        // A DSP whose DSP_MT_RR is on but USP_MT_RR off is not isolated; a root port needs only DSP_MT_RR.
        int ctrl = 0x1d | AcsFlags.DSP_MT_RR;
        Device dsp = dev(PciDevices.at("02:00.0").downstreamPort(3, 3).acs(enhanced, ctrl));
        Device rp = dev(PciDevices.at("00:01.0").rootPort(1, 1).acs(enhanced, ctrl));
        assertThat(Acs.enabled(dsp, AcsFlags.REQ_ACS_FLAGS, Topology.empty().with(dsp), seriesNoEnable)).isFalse();
        assertThat(Acs.enabled(rp, AcsFlags.REQ_ACS_FLAGS, Topology.empty().with(rp), seriesNoEnable)).isTrue();
        // Without ENHANCED the enhanced controls are masked away (RR is taken to imply them); the Egress Control
        // Vector Size in CAP bits 15:8 is not mistaken for them.
        Device plain = dev(PciDevices.at("02:00.0").downstreamPort(3, 3).acs(0x0f5f, 0x1d));
        assertThat(Acs.enabled(plain, AcsFlags.REQ_ACS_FLAGS, Topology.empty().with(plain), seriesNoEnable)).isTrue();
    }

    @Test
    void switchInteriorBusIsolationUnderTheSeries() {
        AcsPolicy dt = new AcsPolicy(RuleSet.ACS_GROUPS_SERIES, Optional.empty(), false, false);
        int enhanced = 0x5f | AcsFlags.ENHANCED;
        int all = 0x1d | AcsFlags.DSP_MT_RR | AcsFlags.USP_MT_RR;
        Device usp = dev(PciDevices.at("01:00.0").upstreamPort(2, 4));
        Device isolating = dev(PciDevices.at("02:00.0").downstreamPort(3, 3).acs(enhanced, all));
        Device noUsp = dev(PciDevices.at("02:01.0").downstreamPort(4, 4).acs(enhanced, all & ~AcsFlags.USP_MT_RR));
        Device noDsp = dev(PciDevices.at("02:01.0").downstreamPort(4, 4).acs(enhanced, all & ~AcsFlags.DSP_MT_RR));
        Topology t = Topology.empty().with(usp).with(isolating);
        assertThat(SwitchIsolation.of(List.of(isolating), t, dt)).isEqualTo(SwitchIsolation.ISOLATED);
        assertThat(SwitchIsolation.of(List.of(isolating, noUsp), t.with(noUsp), dt)).isEqualTo(SwitchIsolation.NON_ISOLATED);
        assertThat(SwitchIsolation.of(List.of(isolating, noDsp), t.with(noDsp), dt)).isEqualTo(SwitchIsolation.DSP_NON_ISOLATED);
        // Without ACS Enhanced USP_MT_RR is masked away: a port with its base controls off lets only its peers in.
        Device plainOff = dev(PciDevices.at("02:01.0").downstreamPort(4, 4).acs(0x5f, 0));
        assertThat(Acs.upstreamPortMemoryRedirected(plainOff, t.with(plainOff), dt)).isTrue();
        assertThat(SwitchIsolation.of(List.of(plainOff), t.with(plainOff), dt)).isEqualTo(SwitchIsolation.DSP_NON_ISOLATED);
        // No ACS capability: pci_acs_flags_enabled() fails for USP_MT_RR as for anything else.
        Device noCap = dev(PciDevices.at("02:01.0").downstreamPort(4, 4));
        assertThat(Acs.upstreamPortMemoryRedirected(noCap, t.with(noCap), dt)).isFalse();
        assertThat(SwitchIsolation.of(List.of(noCap), t.with(noCap), dt)).isEqualTo(SwitchIsolation.NON_ISOLATED);
        // A port an ACS quirk answers for (Zhaoxin switch DSP) is not asked about the enhanced controls.
        Device quirked = dev(PciDevices.at("02:01.0").ids(0x1d17, 0x0710).downstreamPort(4, 4));
        assertThat(Acs.upstreamPortMemoryRedirected(quirked, t.with(quirked), dt)).isTrue();
        // Anything but a downstream port on the bus is not understood.
        Device ep = dev(PciDevices.at("02:02.0").type(PcieType.ENDPOINT));
        assertThat(SwitchIsolation.of(List.of(isolating, ep), t.with(ep), dt)).isEqualTo(SwitchIsolation.NON_ISOLATED);
        // A kernel that enables ACS sets USP_MT_RR on ENHANCED ports itself (series pci_std_enable_acs()).
        AcsPolicy acpi = new AcsPolicy(RuleSet.ACS_GROUPS_SERIES, Optional.empty(), false, true);
        assertThat(Acs.upstreamPortMemoryRedirected(noUsp, t.with(noUsp), acpi)).isTrue();
        assertThat(SwitchIsolation.isUpstreamPort(usp)).isTrue();
        assertThat(SwitchIsolation.isUpstreamPort(isolating)).isFalse();
    }
}
