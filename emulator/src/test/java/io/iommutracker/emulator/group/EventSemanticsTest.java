package io.iommutracker.emulator.group;

import static io.iommutracker.emulator.TestHost.g;
import static io.iommutracker.emulator.TestHost.groups;
import static io.iommutracker.emulator.synth.PciDevices.at;
import static org.assertj.core.api.Assertions.assertThat;

import io.iommutracker.avro.AcsControlChanged;
import io.iommutracker.avro.DeviceRemoved;
import io.iommutracker.avro.DriverBound;
import io.iommutracker.avro.FirmwareKind;
import io.iommutracker.avro.IommuPlatform;
import io.iommutracker.avro.Owner;
import io.iommutracker.avro.OwnerKind;
import io.iommutracker.avro.HostDescribed;
import io.iommutracker.avro.HostSnapshot;
import io.iommutracker.emulator.TestHost;
import io.iommutracker.emulator.synth.PciDevices;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** Scenario 25 and the section 9 observations: when groups are decided and how ids are reused. */
class EventSemanticsTest {

    private static TestHost isolatedSwitch(String commandLine) {
        return TestHost.of(IommuPlatform.INTEL_VT_D, commandLine).add(
                at("00:01.0").rootPort(1, 4).acsOn(), at("01:00.0").upstreamPort(2, 4),
                at("02:00.0").downstreamPort(3, 3).acsOn(), at("02:01.0").downstreamPort(4, 4).acsOn(),
                at("03:00.0").endpoint());
    }

    /**
     * The same switch delivered as a boot capture. Its control words are the firmware's (what the kernel's enabling
     * found); a capture cannot tell them from words written after boot, and the kernel view takes the kernel's enabling.
     */
    private static TestHost bootedSwitch(String commandLine) {
        return boot(TestHost.of(IommuPlatform.INTEL_VT_D, commandLine), at("00:01.0").rootPort(1, 4).acsOn(),
                at("01:00.0").upstreamPort(2, 4), at("02:00.0").downstreamPort(3, 3).acsOn(),
                at("02:01.0").downstreamPort(4, 4).acsOn(), at("03:00.0").endpoint());
    }

    /** The host's first HostSnapshot: a boot, every device probed after the kernel's ACS enabling. */
    private static TestHost boot(TestHost h, PciDevices... devices) {
        return h.apply(new HostSnapshot(null, Arrays.stream(devices).map(PciDevices::build).toList()));
    }

    @Test
    void scenario25_acsWriteChangesOnlyLaterProbesAndIdsAreReused() {
        TestHost h = isolatedSwitch("");
        int n = h.groupOf("0000:03:00.0");
        int dsp0 = h.groupOf("0000:02:00.0");
        assertThat(n).isNotEqualTo(dsp0);
        assertThat(h.state().probeTimeAcsCtrl("0000:02:00.0")).hasValue(0x1d);

        h.apply(new AcsControlChanged("0000:02:00.0", 0x1d & ~0x04)); // setpci clears RR
        assertThat(h.groupOf("0000:03:00.0")).isEqualTo(n);
        assertThat(h.kernelPartition()).contains(g("03:00.0"));
        // The live view sees that DSP0 no longer isolates EP-A.
        assertThat(h.livePartition()).contains(g("02:00.0", "03:00.0"));

        h.apply(new DeviceRemoved("0000:03:00.0"));
        assertThat(h.state().kernelGroups()).doesNotContainKey(n);
        h.add(at("03:00.0").endpoint());
        assertThat(h.groupOf("0000:03:00.0")).isEqualTo(dsp0);

        // The next new singleton takes the lowest free id: N.
        h.add(at("04:00.0").endpoint());
        assertThat(h.groupOf("0000:04:00.0")).isEqualTo(n);
    }

    @Test
    void scenario25_edge_capZeroCountsAsIsolating() {
        TestHost h = TestHost.of(IommuPlatform.INTEL_VT_D).add(at("00:01.0").rootPort(1, 4).acsOn(),
                at("01:00.0").upstreamPort(2, 4), at("02:00.0").downstreamPort(3, 3).acs(0, 0), at("03:00.0").endpoint());
        assertThat(h.kernelPartition()).contains(g("03:00.0"));
    }

    @Test
    void scenario25_edge_disableAcsRedirMakesThePortLeakAtBoot() {
        TestHost h = bootedSwitch("quiet pci=disable_acs_redir=0000:02:00.0");
        assertThat(h.kernelPartition()).contains(g("02:00.0", "03:00.0"));
        assertThat(h.state().probeTimeAcsCtrl("0000:02:00.0")).hasValue(0x1d & ~(0x04 | 0x08));
    }

    @Test
    void configAcsForcesBitsPerDevice() {
        // The rightmost character is bit 0 (SV): "0xx" forces bit 2 (RR) off and keeps SV and TB.
        TestHost h = bootedSwitch("pci=config_acs=0xx@0000:02:00.0");
        assertThat(h.state().probeTimeAcsCtrl("0000:02:00.0")).hasValue(0x1d & ~0x04);
        assertThat(h.kernelPartition()).contains(g("02:00.0", "03:00.0"));
    }

    @Test
    void acsOverrideDownstreamIsolatesCaplessPorts() {
        String cmd = "pcie_acs_override=downstream,multifunction";
        TestHost h = TestHost.of(IommuPlatform.AMD_VI, cmd).add(at("00:01.0").rootPort(1, 4).acsOn(),
                at("01:00.0").upstreamPort(2, 4), at("02:00.0").downstreamPort(3, 3), at("03:00.0").endpoint());
        assertThat(h.state().hostRules()).isEqualTo(io.iommutracker.emulator.RuleSet.ACS_OVERRIDE);
        assertThat(h.kernelPartition()).contains(g("02:00.0"), g("03:00.0"));
        assertThat(h.livePartition(io.iommutracker.emulator.RuleSet.MAINLINE)).contains(g("02:00.0", "03:00.0"));
    }

    @Test
    void section9_functionsAboveZeroAreMultifunctionWithoutTheHeaderBit() {
        TestHost h = TestHost.of(IommuPlatform.INTEL_VT_D).add(at("00:01.0").rootPort(1, 1).acsOn(),
                at("01:00.0").endpoint(), at("01:00.1").endpoint());
        // fn 0 lacks the bit (ACS-enabled as a single function); fn 1 counts as multifunction but finds no ACS-less peer.
        assertThat(h.kernelPartition()).isEqualTo(groups(g("00:01.0"), g("01:00.0"), g("01:00.1")));
        TestHost both = TestHost.of(IommuPlatform.INTEL_VT_D).add(at("00:01.0").rootPort(1, 1).acsOn(),
                at("01:00.0").endpoint().multifunction(), at("01:00.1").endpoint());
        assertThat(both.kernelPartition()).isEqualTo(groups(g("00:01.0"), g("01:00.0", "01:00.1")));
    }

    @Test
    void section9_fwspecPlatformsGroupOnlyBoundDevicesAndNotTheVirtioIommu() {
        TestHost h = TestHost.of(IommuPlatform.VIRTIO_IOMMU).add(at("00:01.0").ids(0x1af4, 0x1057).driver("virtio-pci"),
                at("00:02.0").endpoint().driver("e1000e"), at("00:03.0").endpoint());
        assertThat(h.kernelPartition()).isEqualTo(groups(g("00:02.0")));
        h.apply(new DriverBound("0000:00:03.0", "nvme", new Owner(OwnerKind.HOST, null)));
        assertThat(h.kernelPartition()).isEqualTo(groups(g("00:02.0"), g("00:03.0")));
    }

    @Test
    void section9_noIommuMeansNoGroups() {
        TestHost h = TestHost.of(IommuPlatform.NONE).add(at("00:02.0").endpoint());
        assertThat(h.kernelPartition()).isEmpty();
        assertThat(h.livePartition()).isEmpty();
    }

    @Test
    void section9_deviceTreeArm64LeavesAcsOffSoTheRootPortSubtreeIsOneGroup() {
        TestHost dt = boot(TestHost.arm(FirmwareKind.DEVICE_TREE), at("00:01.0").rootPort(1, 1).acs(0x1d, 0).driver("pcieport"),
                at("01:00.0").endpoint().driver("nvme"));
        assertThat(dt.kernelPartition()).isEqualTo(groups(g("00:01.0", "01:00.0")));
        TestHost acpi = boot(TestHost.arm(FirmwareKind.ACPI), at("00:01.0").rootPort(1, 1).acs(0x1d, 0).driver("pcieport"),
                at("01:00.0").endpoint().driver("nvme"));
        assertThat(acpi.kernelPartition()).isEqualTo(groups(g("00:01.0"), g("01:00.0")));
    }

    @Test
    void resyncSnapshotKeepsIdsButAReRenumeratingOneReprobesWithCompactIds() {
        TestHost h = isolatedSwitch("");
        h.apply(new DeviceRemoved("0000:02:01.0"));
        var devices = h.state().devices();
        // After a gap the kernel kept running: nothing is re-probed, the freed id 3 stays free.
        h.apply(new HostSnapshot(null, devices));
        assertThat(h.state().kernelGroups().keySet()).containsExactly(0, 1, 2, 4);
        // New platform facts mean a reboot: probed from scratch, ids compact again.
        h.apply(new HostSnapshot(HostDescribed.newBuilder().setPlatform(IommuPlatform.INTEL_VT_D).setCommandLine("quiet").build(),
                devices));
        assertThat(h.state().kernelGroups().keySet()).containsExactly(0, 1, 2, 3);
        assertThat(h.state().kernelGroups().get(0)).containsExactly("0000:00:01.0");
    }
}
