package io.iommutracker.emulator.group;

import static io.iommutracker.emulator.TestHost.g;
import static io.iommutracker.emulator.TestHost.groups;
import static io.iommutracker.emulator.synth.PciDevices.at;
import static org.assertj.core.api.Assertions.assertThat;

import io.iommutracker.avro.AcsControlChanged;
import io.iommutracker.avro.FirmwareKind;
import io.iommutracker.avro.IommuPlatform;
import io.iommutracker.avro.PcieType;
import io.iommutracker.emulator.RuleSet;
import io.iommutracker.emulator.TestHost;
import io.iommutracker.emulator.acs.AcsFlags;
import io.iommutracker.emulator.acs.AcsPolicy;
import io.iommutracker.emulator.model.Bdf;
import io.iommutracker.emulator.model.Device;
import io.iommutracker.emulator.model.Keys;
import io.iommutracker.emulator.model.Topology;
import io.iommutracker.emulator.synth.PciDevices;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The posted series' ACS Enhanced check of a switch's downstream ports (v3 11/11, pcie_switch_isolated()): a port
 * that fails isolation with USP_MT_RR off puts the upstream port in the group of the ports and all below them; with
 * USP_MT_RR on only the ports share a group. Mainline and pcie_acs_override do not read the enhanced controls.
 *
 * <p>Most hosts here are arm64 with a device tree: its kernel requests ACS only after the scan (iommu-model.md
 * section 9), so no kernel enabling stands between the control words and the grouping, and the words reported are the
 * words in effect. On a host whose kernel enables ACS the series sets USP_MT_RR itself ({@link #acpiHost}).
 */
class AcsEnhancedUpstreamPortTest {

    private static final int ENH_CAP = AcsFlags.REQ_ACS_FLAGS | AcsFlags.TB | AcsFlags.ENHANCED;
    private static final int ISOLATING = AcsFlags.REQ_ACS_FLAGS | AcsFlags.DSP_MT_RR | AcsFlags.USP_MT_RR;
    /** Every base control and DSP_MT_RR on, USP_MT_RR off. */
    private static final int NO_USP_RR = AcsFlags.REQ_ACS_FLAGS | AcsFlags.DSP_MT_RR;
    /** Every base control and USP_MT_RR on, DSP_MT_RR off. */
    private static final int NO_DSP_RR = AcsFlags.REQ_ACS_FLAGS | AcsFlags.USP_MT_RR;

    private static final Set<Set<String>> ALL_APART = groups(g("00:01.0"), g("01:00.0"), g("02:00.0"), g("02:01.0"),
            g("03:00.0"), g("04:00.0"));
    private static final Set<Set<String>> USP_JOINS = groups(g("00:01.0"),
            g("01:00.0", "02:00.0", "02:01.0", "03:00.0", "04:00.0"));
    private static final Set<Set<String>> PORTS_SHARE = groups(g("00:01.0"), g("01:00.0"),
            g("02:00.0", "02:01.0", "03:00.0", "04:00.0"));

    /** RP 00:01.0 → USP 01:00.0 → DSP0 02:00.0 (EP 03:00.0), DSP1 02:01.0 (EP 04:00.0); both DSPs ACS Enhanced. */
    private static TestHost dtSwitch(int dsp0Ctrl, int dsp1Ctrl) {
        return TestHost.arm(FirmwareKind.DEVICE_TREE).add(switchDevices(dsp0Ctrl, dsp1Ctrl));
    }

    private static PciDevices[] switchDevices(int dsp0Ctrl, int dsp1Ctrl) {
        return new PciDevices[] {at("00:01.0").rootPort(1, 4).acsOn().driver("pcieport"),
            at("01:00.0").upstreamPort(2, 4).driver("pcieport"),
            at("02:00.0").downstreamPort(3, 3).acs(ENH_CAP, dsp0Ctrl).driver("pcieport"),
            at("02:01.0").downstreamPort(4, 4).acs(ENH_CAP, dsp1Ctrl).driver("pcieport"),
            at("03:00.0").endpoint().driver("nvme"), at("04:00.0").endpoint().driver("nvme")};
    }

    @Test
    void downstreamPortWithoutUspRedirectPutsTheUpstreamPortInTheGroup() {
        assertThat(dtSwitch(ISOLATING, ISOLATING).livePartition(RuleSet.ACS_GROUPS_SERIES)).isEqualTo(ALL_APART);
        assertThat(dtSwitch(ISOLATING, NO_USP_RR).livePartition(RuleSet.ACS_GROUPS_SERIES)).isEqualTo(USP_JOINS);
        // DSP_MT_RR off alone: the ports are not isolated from each other but the USP is isolated from them. The
        // isolating DSP0 and its endpoint share the group too (asymmetric ACS, v3 03/11).
        assertThat(dtSwitch(ISOLATING, NO_DSP_RR).livePartition(RuleSet.ACS_GROUPS_SERIES)).isEqualTo(PORTS_SHARE);
    }

    @Test
    void mainlineAndOverrideAnswersDoNotDependOnTheEnhancedControls() {
        for (int dsp1 : new int[] {ISOLATING, NO_USP_RR, NO_DSP_RR}) {
            TestHost h = dtSwitch(ISOLATING, dsp1);
            assertThat(h.kernelPartition()).as("kernel, DSP1 ctrl %x", dsp1).isEqualTo(ALL_APART);
            assertThat(h.livePartition(RuleSet.MAINLINE)).as("mainline, DSP1 ctrl %x", dsp1).isEqualTo(ALL_APART);
            assertThat(h.livePartition(RuleSet.ACS_OVERRIDE)).as("override, DSP1 ctrl %x", dsp1).isEqualTo(ALL_APART);
        }
        // The same hardware with a base control off: mainline isolates by SV|RR|CR|UF only, DSP by DSP.
        TestHost rrOff = dtSwitch(ISOLATING, NO_USP_RR & ~AcsFlags.RR);
        assertThat(rrOff.livePartition(RuleSet.MAINLINE)).isEqualTo(groups(g("00:01.0"), g("01:00.0"), g("02:00.0"),
                g("02:01.0", "04:00.0"), g("03:00.0")));
        assertThat(rrOff.livePartition(RuleSet.ACS_GROUPS_SERIES)).isEqualTo(USP_JOINS);
    }

    @Test
    void liveControlWriteRegroupsTheLiveViewOnly() {
        TestHost h = dtSwitch(ISOLATING, ISOLATING);
        Set<Set<String>> kernel = h.kernelPartition();
        assertThat(kernel).isEqualTo(ALL_APART);

        h.apply(new AcsControlChanged("0000:02:01.0", NO_USP_RR)); // setpci clears USP_MT_RR on DSP1
        assertThat(h.livePartition(RuleSet.ACS_GROUPS_SERIES)).isEqualTo(USP_JOINS);
        assertThat(h.kernelPartition()).isEqualTo(kernel);
        assertThat(h.livePartition()).isEqualTo(ALL_APART);

        h.apply(new AcsControlChanged("0000:02:01.0", NO_DSP_RR)); // USP_MT_RR back on, DSP_MT_RR off
        assertThat(h.livePartition(RuleSet.ACS_GROUPS_SERIES)).isEqualTo(PORTS_SHARE);
        h.apply(new AcsControlChanged("0000:02:01.0", ISOLATING));
        assertThat(h.livePartition(RuleSet.ACS_GROUPS_SERIES)).isEqualTo(ALL_APART);
        assertThat(h.kernelPartition()).isEqualTo(kernel);
    }

    @Test
    void kernelViewUnderTheSeriesGroupsAtProbeAndKeepsItsGroups() {
        for (int dsp1 : new int[] {ISOLATING, NO_USP_RR, NO_DSP_RR}) {
            TestHost h = dtSwitch(ISOLATING, dsp1);
            Topology t = h.state().model().topology();
            AcsPolicy series = h.state().model().policy(RuleSet.ACS_GROUPS_SERIES);
            // Probed in boot order with the series' pci_device_group: the same partition as the live view.
            assertThat(partition(probeAll(t, series))).as("DSP1 ctrl %x", dsp1)
                    .isEqualTo(h.livePartition(RuleSet.ACS_GROUPS_SERIES));
        }
        TestHost h = dtSwitch(ISOLATING, ISOLATING);
        AcsPolicy series = h.state().model().policy(RuleSet.ACS_GROUPS_SERIES);
        KernelGroups atBoot = probeAll(h.state().model().topology(), series);
        h.apply(new AcsControlChanged("0000:02:01.0", NO_USP_RR));
        Topology now = h.state().model().topology();
        // Nothing re-probes: the groups the series kernel formed stay, while the partition it would form now differs.
        assertThat(partition(atBoot)).isEqualTo(ALL_APART);
        assertThat(partition(probeAll(now, series))).isEqualTo(USP_JOINS);
        assertThat(now.device(Bdf.parse("0000:02:01.0")).acsCtrl() & AcsFlags.USP_MT_RR).isZero();
    }

    @Test
    void aNonIsolatedSwitchTakesANestedSwitchWhole() {
        // RP → USP1 01:00.0 → DSP 02:00.0 (USP_MT_RR off) → EP 03:00.0, and DSP 02:01.0 (isolating) → USP2 04:00.0 →
        // DSP 05:00.0 (isolating) → EP 06:00.0. The failing port is on no path of the nested switch, yet everything
        // below the first switch bus shares USP1's group: each bridge below joined the non-isolated group.
        TestHost h = TestHost.arm(FirmwareKind.DEVICE_TREE).add(at("00:01.0").rootPort(1, 6).acsOn().driver("pcieport"),
                at("01:00.0").upstreamPort(2, 6).driver("pcieport"),
                at("02:00.0").downstreamPort(3, 3).acs(ENH_CAP, NO_USP_RR).driver("pcieport"),
                at("02:01.0").downstreamPort(4, 6).acs(ENH_CAP, ISOLATING).driver("pcieport"),
                at("03:00.0").endpoint().driver("nvme"),
                at("04:00.0").upstreamPort(5, 6).driver("pcieport"),
                at("05:00.0").downstreamPort(6, 6).acs(ENH_CAP, ISOLATING).driver("pcieport"),
                at("06:00.0").endpoint().driver("nvme"));
        Set<Set<String>> expected = groups(g("00:01.0"),
                g("01:00.0", "02:00.0", "02:01.0", "03:00.0", "04:00.0", "05:00.0", "06:00.0"));
        assertThat(h.livePartition(RuleSet.ACS_GROUPS_SERIES)).isEqualTo(expected);
        AcsPolicy series = h.state().model().policy(RuleSet.ACS_GROUPS_SERIES);
        assertThat(partition(probeAll(h.state().model().topology(), series))).isEqualTo(expected);
        assertThat(h.livePartition(RuleSet.MAINLINE)).hasSize(8);
    }

    @Test
    void acpiHostSeriesKernelSetsUspRedirectItself() {
        // x86 with an IOMMU: the series' pci_std_enable_acs() sets USP_MT_RR|DSP_MT_RR|UNCLAIMED_RR on ports that
        // advertise ACS Enhanced, so words a mainline kernel left without them still isolate the USP.
        TestHost h = TestHost.of(IommuPlatform.INTEL_VT_D).add(switchDevices(AcsFlags.REQ_ACS_FLAGS, AcsFlags.REQ_ACS_FLAGS));
        assertThat(h.livePartition(RuleSet.ACS_GROUPS_SERIES)).isEqualTo(ALL_APART);
        TestHost rrOff = TestHost.of(IommuPlatform.INTEL_VT_D).add(switchDevices(AcsFlags.REQ_ACS_FLAGS, 0));
        assertThat(rrOff.livePartition(RuleSet.ACS_GROUPS_SERIES)).isEqualTo(PORTS_SHARE);
    }

    @Test
    void unknownDeviceOnTheSwitchBusPutsTheUpstreamPortInTheGroup() {
        // pcie_switch_isolated(): anything but a downstream port on the interior bus is not understood.
        TestHost h = TestHost.arm(FirmwareKind.DEVICE_TREE).add(at("00:01.0").rootPort(1, 4).acsOn().driver("pcieport"),
                at("01:00.0").upstreamPort(2, 4).driver("pcieport"),
                at("02:00.0").downstreamPort(3, 3).acs(ENH_CAP, ISOLATING).driver("pcieport"),
                at("02:01.0").type(PcieType.ENDPOINT).driver("mgmt"), at("03:00.0").endpoint().driver("nvme"));
        assertThat(h.livePartition(RuleSet.ACS_GROUPS_SERIES))
                .isEqualTo(groups(g("00:01.0"), g("01:00.0", "02:00.0", "02:01.0", "03:00.0")));
        assertThat(h.livePartition(RuleSet.MAINLINE)).hasSize(5);
    }

    @Test
    void theFirstFailingPortInBusOrderDecides() {
        // The posted loop returns at the first downstream port that fails: DSP0 keeps the USP out even though DSP1
        // would let it in, and the other way round the USP joins (read from the code; see KERNEL-NOTES).
        assertThat(dtSwitch(NO_DSP_RR, NO_USP_RR).livePartition(RuleSet.ACS_GROUPS_SERIES)).isEqualTo(PORTS_SHARE);
        assertThat(dtSwitch(NO_USP_RR, NO_DSP_RR).livePartition(RuleSet.ACS_GROUPS_SERIES)).isEqualTo(USP_JOINS);
    }

    @Test
    void aUspRedirectFlipShowsAsChangedRepresentativesOfEveryDeviceOnTheSwitchBus() {
        // The incremental view re-derives the anchors below devices whose representative changed: a flip between
        // "ports share" and "USP joins" keeps the representatives but changes the bus flags, which must show too.
        TestHost a = dtSwitch(ISOLATING, NO_DSP_RR);
        TestHost b = dtSwitch(ISOLATING, NO_USP_RR);
        AcsPolicy series = a.state().model().policy(RuleSet.ACS_GROUPS_SERIES);
        LiveClusters ca = LiveClusters.compute(a.state().model().topology(), series);
        LiveClusters cb = LiveClusters.compute(b.state().model().topology(), series);
        Set<Long> changed = new HashSet<>();
        cb.changedRepresentatives(ca, changed::add);
        assertThat(changed).containsExactlyInAnyOrder(Keys.device(Bdf.parse("0000:02:00.0")), Keys.device(Bdf.parse("0000:02:01.0")));
        // Under mainline the same two topologies cluster alike.
        AcsPolicy mainline = a.state().model().policy(RuleSet.MAINLINE);
        Set<Long> none = new HashSet<>();
        LiveClusters.compute(b.state().model().topology(), mainline)
                .changedRepresentatives(LiveClusters.compute(a.state().model().topology(), mainline), none::add);
        assertThat(none).isEmpty();
    }

    /** What EventApplier does at boot: every device through pci_device_group() in probe order. */
    private static KernelGroups probeAll(Topology t, AcsPolicy policy) {
        KernelGroups k = KernelGroups.empty();
        for (Device d : ProbeOrder.of(t)) {
            KernelGroups held = k;
            int g = new PciDeviceGroup(t, policy, x -> held.groupOf(x.bdf())).groupFor(d);
            k = k.add(d.bdf(), g, d.hasAcsCap() ? d.acsCtrl() : -1);
        }
        return k;
    }

    private static Set<Set<String>> partition(KernelGroups k) {
        Set<Set<String>> out = new LinkedHashSet<>();
        for (int id : k.ids()) {
            out.add(k.members(id).stream().map(b -> b.toString().substring(5)).collect(Collectors.toCollection(LinkedHashSet::new)));
        }
        return out;
    }
}
