package io.iommutracker.emulator.resv;

import static io.iommutracker.emulator.resv.Fixtures.CLASS_ETHERNET;
import static io.iommutracker.emulator.resv.Fixtures.CLASS_ISA_BRIDGE;
import static io.iommutracker.emulator.resv.Fixtures.CLASS_SATA;
import static io.iommutracker.emulator.resv.Fixtures.CLASS_SMBUS;
import static io.iommutracker.emulator.resv.Fixtures.CLASS_VGA;
import static io.iommutracker.emulator.resv.Fixtures.CLASS_XHCI;
import static io.iommutracker.emulator.resv.Fixtures.armDt;
import static io.iommutracker.emulator.resv.Fixtures.bridge;
import static io.iommutracker.emulator.resv.Fixtures.fn;
import static io.iommutracker.emulator.resv.Fixtures.host;
import static io.iommutracker.emulator.resv.Fixtures.lines;
import static io.iommutracker.emulator.resv.Fixtures.sysfs;
import static org.assertj.core.api.Assertions.assertThat;

import io.iommutracker.avro.DtReservedMemory;
import io.iommutracker.avro.HostDescribed;
import io.iommutracker.avro.IommuPlatform;
import io.iommutracker.avro.IortRmr;
import io.iommutracker.avro.Ivmd;
import io.iommutracker.avro.PciDeviceInfo;
import io.iommutracker.avro.ResvType;
import io.iommutracker.avro.Rmrr;
import io.iommutracker.avro.VirtioResvMem;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The reserved-region scenarios of iommu-model.md section 8, checked against the exact sysfs text. */
class ReservedRegionsScenarioTest {

    private static final String X86_MSI = "0x00000000fee00000 0x00000000feefffff msi";
    private static final String AMD_HT = "0x000000fd00000000 0x000000ffffffffff reserved";
    private static final String SW_MSI = "0x0000000008000000 0x00000000080fffff msi";

    private static final HostDescribed INTEL = host(IommuPlatform.INTEL_VT_D).build();
    private static final HostDescribed AMD = host(IommuPlatform.AMD_VI).build();

    private static Rmrr rmrr(long base, long end, String... scopes) {
        return Rmrr.newBuilder().setBase(base).setEnd(end).setDeviceScopes(List.of(scopes)).build();
    }

    @Test
    void scenario1_intelEndpointHasOnlyTheInterruptWindow() {
        assertThat(sysfs(INTEL, fn("0000:01:00.0", CLASS_ETHERNET))).isEqualTo(lines(X86_MSI));
    }

    @Test
    void scenario2_identicalMsiWindowsOfAGroupMergeIntoOneLine() {
        String text = sysfs(INTEL, bridge("0000:00:01.0", 1, 1), fn("0000:01:00.0", CLASS_ETHERNET),
                fn("0000:01:00.1", CLASS_ETHERNET));
        assertThat(text).isEqualTo(lines(X86_MSI));
    }

    @Test
    void scenario5_amdGroupReportsMsiThenHyperTransport() {
        String text = sysfs(AMD, bridge("0000:02:00.0", 3, 3), fn("0000:03:00.0", CLASS_ETHERNET));
        assertThat(text).isEqualTo(lines(X86_MSI, AMD_HT));
    }

    @Test
    void scenario6_smmuv3SingletonsEachShowTheSoftwareMsiWindow() {
        HostDescribed smmu = armDt(IommuPlatform.ARM_SMMU_V3).build();
        for (String bdf : List.of("0000:00:01.0", "0000:01:00.0", "0000:02:00.0", "0000:02:01.0", "0000:03:00.0", "0000:04:00.0")) {
            assertThat(sysfs(smmu, fn(bdf, CLASS_ETHERNET))).isEqualTo(lines(SW_MSI));
        }
        assertThat(ReservedRegions.forDevice(smmu, fn("0000:03:00.0", CLASS_ETHERNET), List.of()))
                .extracting(Region::type).containsExactly(ResvType.SW_MSI);
    }

    @Test
    void scenario10_rmrrOnANicIsDirect() {
        HostDescribed host = host(IommuPlatform.INTEL_VT_D).setRmrrs(List.of(rmrr(0x7b800000L, 0x7b9fffffL, "0000:01:00.0"))).build();
        assertThat(sysfs(host, fn("0000:01:00.0", CLASS_ETHERNET)))
                .isEqualTo(lines("0x000000007b800000 0x000000007b9fffff direct", X86_MSI));
    }

    @Test
    void scenario10_theSameRmrrOnXhciIsRelaxable() {
        HostDescribed host = host(IommuPlatform.INTEL_VT_D).setRmrrs(List.of(rmrr(0x7b800000L, 0x7b9fffffL, "0000:01:00.0"))).build();
        assertThat(sysfs(host, fn("0000:01:00.0", CLASS_XHCI)))
                .isEqualTo(lines("0x000000007b800000 0x000000007b9fffff direct-relaxable", X86_MSI));
    }

    @Test
    void rmrrNamingABridgeCoversTheDevicesBelowItOnly() {
        HostDescribed host = host(IommuPlatform.INTEL_VT_D).setRmrrs(List.of(rmrr(0x7b800000L, 0x7b9fffffL, "0000:00:01.0"))).build();
        PciDeviceInfo rootPort = bridge("0000:00:01.0", 1, 3);
        PciDeviceInfo usp = bridge("0000:01:00.0", 2, 3);
        List<Region> below = ReservedRegions.forDevice(host, fn("0000:03:00.0", CLASS_ETHERNET), List.of(usp, rootPort));
        assertThat(below).extracting(Region::type).containsExactly(ResvType.DIRECT, ResvType.MSI);

        PciDeviceInfo otherPort = bridge("0000:00:02.0", 4, 4);
        List<Region> elsewhere = ReservedRegions.forDevice(host, fn("0000:04:00.0", CLASS_ETHERNET), List.of(otherPort));
        assertThat(elsewhere).extracting(Region::type).containsExactly(ResvType.MSI);
    }

    @Test
    void scenario11_floppyWorkaroundGivesTheIsaBridgeSixteenMegabytesThenMsi() {
        PciDeviceInfo[] pch = {fn("0000:00:1f.0", CLASS_ISA_BRIDGE), fn("0000:00:1f.3", CLASS_SMBUS),
                fn("0000:00:1f.4", CLASS_SMBUS), fn("0000:00:1f.5", CLASS_SATA)};
        assertThat(sysfs(INTEL, pch)).isEqualTo(lines("0x0000000000000000 0x0000000000ffffff direct-relaxable", X86_MSI));
        HostDescribed noFloppy = host(IommuPlatform.INTEL_VT_D).setFloppyWorkaround(false).build();
        assertThat(sysfs(noFloppy, pch)).isEqualTo(lines(X86_MSI));
    }

    @Test
    void scenario14_amdUnityIvmdIsDirectAndHtCanBeIgnored() {
        Ivmd all = Ivmd.newBuilder().setType(0x20).setFlags(0x07).setStart(0xa0000000L).setLength(0x100000L).build();
        HostDescribed host = host(IommuPlatform.AMD_VI).setIvmds(List.of(all)).build();
        assertThat(sysfs(host, fn("0000:01:00.0", CLASS_ETHERNET)))
                .isEqualTo(lines("0x00000000a0000000 0x00000000a00fffff direct", X86_MSI, AMD_HT));
        HostDescribed ignoreHt = host(IommuPlatform.AMD_VI).setIvmds(List.of(all)).setAmdHtRangeIgnore(true).build();
        assertThat(sysfs(ignoreHt, fn("0000:01:00.0", CLASS_ETHERNET)))
                .isEqualTo(lines("0x00000000a0000000 0x00000000a00fffff direct", X86_MSI));
    }

    @Test
    void scenario15_amdExclusionRangeIsReportedAsDirect() {
        Ivmd excl = Ivmd.newBuilder().setType(0x21).setFlags(0x08).setFirstRid(0x0100).setStart(0xb0000000L).setLength(0x10000L).build();
        HostDescribed host = host(IommuPlatform.AMD_VI).setIvmds(List.of(excl)).build();
        assertThat(sysfs(host, fn("0000:01:00.0", CLASS_ETHERNET)))
                .isEqualTo(lines("0x00000000b0000000 0x00000000b000ffff direct", X86_MSI, AMD_HT));
        // Type 0x21 names one requester ID: 01:00.1 (RID 0x0101) is not covered.
        assertThat(sysfs(host, fn("0000:01:00.1", CLASS_ETHERNET))).isEqualTo(lines(X86_MSI, AMD_HT));
    }

    @Test
    void amdRangeIvmdIsPageAlignedAndCoversItsRidRange() {
        Ivmd range = Ivmd.newBuilder().setType(0x22).setFlags(0x01).setFirstRid(0x0200).setLastRid(0x02ff)
                .setStart(0xc0000800L).setLength(0x1800L).build();
        HostDescribed host = host(IommuPlatform.AMD_VI).setIvmds(List.of(range)).setAmdHtRangeIgnore(true).build();
        assertThat(sysfs(host, fn("0000:02:1f.7", CLASS_ETHERNET)))
                .isEqualTo(lines("0x00000000c0001000 0x00000000c0002fff direct", X86_MSI));
        assertThat(sysfs(host, fn("0000:03:00.0", CLASS_ETHERNET))).isEqualTo(lines(X86_MSI));
    }

    @Test
    void scenario17_iortRmrIsDirectUnlessRemapPermitted() {
        IortRmr rmr = IortRmr.newBuilder().setBase(0xe0000000L).setLength(0x100000L).setFirstRid(0x0100).setLastRid(0x0100).build();
        HostDescribed acpi = host(IommuPlatform.ARM_SMMU_V3).setArch("aarch64").setIortRmrs(List.of(rmr)).build();
        assertThat(sysfs(acpi, fn("0000:01:00.0", CLASS_ETHERNET)))
                .isEqualTo(lines(SW_MSI, "0x00000000e0000000 0x00000000e00fffff direct"));
        IortRmr relaxed = IortRmr.newBuilder(rmr).setRemapPermitted(true).build();
        HostDescribed permitted = host(IommuPlatform.ARM_SMMU_V3).setArch("aarch64").setIortRmrs(List.of(relaxed)).build();
        assertThat(sysfs(permitted, fn("0000:01:00.0", CLASS_ETHERNET)))
                .isEqualTo(lines(SW_MSI, "0x00000000e0000000 0x00000000e00fffff direct-relaxable"));
        assertThat(sysfs(acpi, fn("0000:01:00.1", CLASS_ETHERNET))).isEqualTo(lines(SW_MSI));
    }

    @Test
    void scenario18_deviceTreeIdentityIsDirectOtherwiseReserved() {
        String dev = "0000:01:00.0";
        DtReservedMemory identity = DtReservedMemory.newBuilder().setName("fb").setPhys(0x90000000L).setIova(0x90000000L)
                .setLength(0x200000L).setDevices(List.of(dev)).build();
        DtReservedMemory moved = DtReservedMemory.newBuilder().setName("moved").setPhys(0x91000000L).setIova(0xa0000000L)
                .setLength(0x10000L).setDevices(List.of(dev)).build();
        DtReservedMemory noReg = DtReservedMemory.newBuilder().setName("hole").setPhys(null).setIova(0x40000000L)
                .setLength(0x1000L).setDevices(List.of(dev)).build();
        HostDescribed host = armDt(IommuPlatform.ARM_SMMU_V3).setDtReservedMemory(List.of(identity, moved, noReg)).build();
        assertThat(sysfs(host, fn(dev, CLASS_ETHERNET))).isEqualTo(lines(
                SW_MSI,
                "0x0000000040000000 0x0000000040000fff reserved",
                "0x0000000090000000 0x00000000901fffff direct",
                "0x00000000a0000000 0x00000000a000ffff reserved"));
        assertThat(sysfs(host, fn("0000:02:00.0", CLASS_ETHERNET))).isEqualTo(lines(SW_MSI));
    }

    @Test
    void scenario19_virtioWithoutProbeRegionsGetsSoftwareMsi() {
        HostDescribed host = host(IommuPlatform.VIRTIO_IOMMU).build();
        assertThat(sysfs(host, fn("0000:01:00.0", CLASS_ETHERNET))).isEqualTo(lines(SW_MSI));
    }

    @Test
    void scenario19_virtioProbeMsiReplacesSoftwareMsi() {
        VirtioResvMem reserved = VirtioResvMem.newBuilder().setSubtype(0).setStart(0xfd00000000L).setEnd(0xffffffffffL).build();
        VirtioResvMem msi = VirtioResvMem.newBuilder().setSubtype(1).setStart(0xfee00000L).setEnd(0xfeefffffL).build();
        HostDescribed host = host(IommuPlatform.VIRTIO_IOMMU).setVirtioProbeRegions(List.of(reserved, msi)).build();
        PciDeviceInfo dev = fn("0000:01:00.0", CLASS_ETHERNET);
        assertThat(sysfs(host, dev)).isEqualTo(lines(X86_MSI, AMD_HT));
        // viommu_add_resv_mem keeps the device's list sorted by start.
        assertThat(ReservedRegions.forDevice(host, dev, List.of())).extracting(Region::type)
                .containsExactly(ResvType.MSI, ResvType.RESERVED);
    }

    @Test
    void virtioUnknownSubtypeIsReservedAndDeviceListsRestrictTheRegion() {
        VirtioResvMem odd = VirtioResvMem.newBuilder().setSubtype(7).setStart(0x1000L).setEnd(0x1fffL)
                .setDevices(List.of("0000:01:00.0")).build();
        HostDescribed host = host(IommuPlatform.VIRTIO_IOMMU).setVirtioProbeRegions(List.of(odd)).build();
        assertThat(sysfs(host, fn("0000:01:00.0", CLASS_ETHERNET)))
                .isEqualTo(lines("0x0000000000001000 0x0000000000001fff reserved", SW_MSI));
        assertThat(sysfs(host, fn("0000:02:00.0", CLASS_ETHERNET))).isEqualTo(lines(SW_MSI));
    }

    @Test
    void scenario20_intelMergeKeepsTypesApartAndJoinsAdjacentDirectRanges() {
        HostDescribed host = host(IommuPlatform.INTEL_VT_D).setRmrrs(List.of(
                rmrr(0x7b800000L, 0x7b8fffffL, "0000:01:00.0"),
                rmrr(0x7b900000L, 0x7b9fffffL, "0000:01:00.1"),
                rmrr(0x7b900000L, 0x7bafffffL, "0000:01:00.2"))).build();
        String text = sysfs(host, fn("0000:01:00.0", CLASS_ETHERNET), fn("0000:01:00.1", CLASS_ETHERNET),
                fn("0000:01:00.2", CLASS_VGA));
        assertThat(text).isEqualTo(lines(
                "0x000000007b800000 0x000000007b9fffff direct",
                "0x000000007b900000 0x000000007bafffff direct-relaxable",
                X86_MSI));
    }

    @Test
    void appleDartReportsOneDoorbellPage() {
        HostDescribed host = armDt(IommuPlatform.APPLE_DART).setAppleMsiDoorbell(0xfffff000L + 0x234).build();
        assertThat(sysfs(host, fn("0000:01:00.0", CLASS_ETHERNET)))
                .isEqualTo(lines("0x00000000fffff000 0x00000000ffffffff msi"));
    }

    @Test
    void noIommuReportsNothing() {
        assertThat(sysfs(host(IommuPlatform.NONE).build(), fn("0000:00:1f.0", CLASS_ISA_BRIDGE))).isEmpty();
    }
}
