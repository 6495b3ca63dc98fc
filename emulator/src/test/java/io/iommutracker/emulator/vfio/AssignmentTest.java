package io.iommutracker.emulator.vfio;

import static io.iommutracker.emulator.resv.Fixtures.CLASS_ETHERNET;
import static io.iommutracker.emulator.resv.Fixtures.CLASS_XHCI;
import static io.iommutracker.emulator.resv.Fixtures.armDt;
import static io.iommutracker.emulator.resv.Fixtures.fn;
import static io.iommutracker.emulator.resv.Fixtures.host;
import static org.assertj.core.api.Assertions.assertThat;

import io.iommutracker.avro.AssignApi;
import io.iommutracker.avro.HostDescribed;
import io.iommutracker.avro.IommuPlatform;
import io.iommutracker.avro.IortRmr;
import io.iommutracker.avro.IovaRange;
import io.iommutracker.avro.OwnerKind;
import io.iommutracker.avro.ResvType;
import io.iommutracker.avro.Rmrr;
import io.iommutracker.avro.Verdict;
import io.iommutracker.avro.VirtioResvMem;
import io.iommutracker.emulator.resv.Region;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** VFIO type1 and iommufd scenarios of iommu-model.md section 8 (10, 17, 21, 22, 23) and the rules of section 5. */
class AssignmentTest {

    private static final String NIC = "0000:01:00.0";

    private static Verdict vfio(List<Verdict> verdicts) {
        return verdicts.stream().filter(v -> v.getApi() == AssignApi.VFIO).findFirst().orElseThrow();
    }

    private static Verdict iommufd(List<Verdict> verdicts) {
        return verdicts.stream().filter(v -> v.getApi() == AssignApi.IOMMUFD).findFirst().orElseThrow();
    }

    private static HostDescribed intelWithRmrr(String scope) {
        return host(IommuPlatform.INTEL_VT_D).setRmrrs(List.of(Rmrr.newBuilder().setBase(0x7b800000L).setEnd(0x7b9fffffL)
                .setDeviceScopes(List.of(scope)).build())).build();
    }

    private static IovaRange range(long start, long end) {
        return new IovaRange(start, end);
    }

    @Test
    void scenario10_directRmrrBlocksBothApisWithTheFirmwareMessage() {
        HostDescribed host = intelWithRmrr(NIC);
        GroupFacts group = Groups.of(host, 4).device(fn(NIC, CLASS_ETHERNET)).build();
        List<Verdict> verdicts = Assignment.verdicts(host, group, NIC, List.of());
        assertThat(verdicts).extracting(Verdict::getAllowed).containsExactly(false, false);
        assertThat(verdicts).extracting(Verdict::getErrno).containsExactly("EINVAL", "EINVAL");
        assertThat(vfio(verdicts).getReason()).contains("Firmware has requested this device have a 1:1 IOMMU mapping");
    }

    @Test
    void scenario10_relaxableRmrrOnXhciIsAssignableAndStaysInTheIovaList() {
        HostDescribed host = intelWithRmrr("0000:00:14.0");
        GroupFacts group = Groups.of(host, 2).device(fn("0000:00:14.0", CLASS_XHCI)).build();
        assertThat(Assignment.verdicts(host, group, "0000:00:14.0", List.of())).allMatch(Verdict::getAllowed);
        List<IovaRange> iova = Assignment.usableIova(host, List.of(group), AssignApi.VFIO);
        assertThat(iova).containsExactly(range(0, 0xfedfffffL), range(0xfef00000L, 0xffffffffffffL));
        // A mapping over the relaxable range is no conflict either.
        assertThat(Assignment.verdicts(host, group, "0000:00:14.0", List.of(range(0x7b800000L, 0x7b80ffffL))))
                .allMatch(Verdict::getAllowed);
    }

    @Test
    void scenario17_iortRmrBlocksAssignmentUnlessRemapPermitted() {
        IortRmr rmr = IortRmr.newBuilder().setBase(0xe0000000L).setLength(0x100000L).setFirstRid(0x100).setLastRid(0x100).build();
        HostDescribed strict = host(IommuPlatform.ARM_SMMU_V3).setArch("aarch64").setIortRmrs(List.of(rmr)).build();
        GroupFacts blocked = Groups.of(strict, 0).device(fn(NIC, CLASS_ETHERNET)).build();
        assertThat(Assignment.verdicts(strict, blocked, NIC, List.of())).noneMatch(Verdict::getAllowed);

        HostDescribed relaxed = host(IommuPlatform.ARM_SMMU_V3).setArch("aarch64")
                .setIortRmrs(List.of(IortRmr.newBuilder(rmr).setRemapPermitted(true).build())).build();
        GroupFacts ok = Groups.of(relaxed, 0).device(fn(NIC, CLASS_ETHERNET)).build();
        assertThat(Assignment.verdicts(relaxed, ok, NIC, List.of())).allMatch(Verdict::getAllowed);
    }

    @Test
    void scenario21_intelIovaRangesSkipTheInterruptWindow() {
        HostDescribed host = host(IommuPlatform.INTEL_VT_D).build();
        GroupFacts group = Groups.of(host, 1).device(fn(NIC, CLASS_ETHERNET)).build();
        List<IovaRange> expected = List.of(range(0, 0xfedfffffL), range(0xfef00000L, 0xffffffffffffL));
        assertThat(Assignment.usableIova(host, List.of(group), AssignApi.VFIO)).isEqualTo(expected);
        assertThat(Assignment.usableIova(host, List.of(group), AssignApi.IOMMUFD)).isEqualTo(expected);
    }

    @Test
    void scenario21_smmuIovaRangesSkipTheSoftwareMsiWindowWhereTheCookieLives() {
        HostDescribed host = armDt(IommuPlatform.ARM_SMMU_V3).build();
        GroupFacts group = Groups.of(host, 0).device(fn(NIC, CLASS_ETHERNET)).build();
        assertThat(Assignment.usableIova(host, List.of(group), AssignApi.VFIO))
                .containsExactly(range(0, 0x7ffffffL), range(0x8100000L, 0xffffffffffffL));
        assertThat(vfio(Assignment.verdicts(host, group, NIC, List.of())).getReason()).contains("MSI cookie base 0x8000000");
    }

    @Test
    void apertureWidthBoundsTheLastRange() {
        HostDescribed host = host(IommuPlatform.INTEL_VT_D).setApertureBits(39).build();
        GroupFacts group = Groups.of(host, 1).device(fn(NIC, CLASS_ETHERNET)).build();
        assertThat(Assignment.usableIova(host, List.of(group), AssignApi.VFIO)).last().isEqualTo(range(0xfef00000L, 0x7fffffffffL));
        List<Verdict> beyond = Assignment.verdicts(host, group, NIC, List.of(range(0x8000000000L, 0x8000000fffL)));
        assertThat(vfio(beyond).getErrno()).isEqualTo("EINVAL");
        assertThat(vfio(beyond).getReason()).startsWith("vfio_iommu_aper_conflict");
        assertThat(iommufd(beyond).getErrno()).isEqualTo("EADDRINUSE");
    }

    @Test
    void scenario22_virtioMsiWindowConflictsWithAnExistingMapping() {
        HostDescribed swOnly = host(IommuPlatform.VIRTIO_IOMMU).setVirtioProbeRegions(List.of(VirtioResvMem.newBuilder()
                .setSubtype(1).setStart(0xfee00000L).setEnd(0xfeefffffL).setDevices(List.of("0000:02:00.0")).build())).build();
        GroupFacts groupA = Groups.of(swOnly, 0).device(fn(NIC, CLASS_ETHERNET)).build();
        GroupFacts groupB = Groups.of(swOnly, 1).device(fn("0000:02:00.0", CLASS_ETHERNET)).build();
        // Group A alone leaves 0xfee00000 usable, so the user could map it.
        assertThat(Assignment.usableIova(swOnly, List.of(groupA), AssignApi.VFIO))
                .containsExactly(range(0, 0x7ffffffL), range(0x8100000L, 0xffffffffffffL));
        List<Verdict> verdicts = Assignment.verdicts(swOnly, groupB, "0000:02:00.0", List.of(range(0xfee00000L, 0xfee00fffL)));
        assertThat(vfio(verdicts).getErrno()).isEqualTo("EINVAL");
        assertThat(vfio(verdicts).getReason()).startsWith("vfio_iommu_resv_conflict");
        assertThat(iommufd(verdicts).getErrno()).isEqualTo("EADDRINUSE");
        assertThat(iommufd(verdicts).getReason()).startsWith("iopt_reserve_iova");
        // Both groups in one container: both windows are gone.
        assertThat(Assignment.usableIova(swOnly, List.of(groupA, groupB), AssignApi.IOMMUFD))
                .containsExactly(range(0, 0x7ffffffL), range(0x8100000L, 0xfedfffffL), range(0xfef00000L, 0xffffffffffffL));
    }

    @Test
    void scenario23_oneDirectDeviceMakesTheWholeGroupUnassignable() {
        HostDescribed host = intelWithRmrr("0000:01:00.0");
        GroupFacts group = Groups.of(host, 5).device(fn("0000:01:00.0", CLASS_ETHERNET)).device(fn("0000:01:00.1", CLASS_ETHERNET)).build();
        List<Verdict> verdicts = Assignment.verdicts(host, group, "0000:01:00.1", List.of());
        assertThat(verdicts).extracting(Verdict::getErrno).containsExactly("EINVAL", "EINVAL");
        assertThat(iommufd(verdicts).getReason()).contains("0000:01:00.0");
    }

    @Test
    void scenario23_bindingADmaApiDriverToAVfioOwnedGroupIsBusy() {
        HostDescribed host = host(IommuPlatform.INTEL_VT_D).build();
        GroupFacts group = Groups.of(host, 5).device(fn("0000:01:00.0", CLASS_ETHERNET)).device(fn("0000:01:00.1", CLASS_ETHERNET))
                .owned("0000:01:00.0", OwnerKind.VFIO, "vm-1", "vfio-pci").build();
        DriverBind.Result e1000e = DriverBind.check(group, "0000:01:00.1", "e1000e");
        assertThat(e1000e.allowed()).isFalse();
        assertThat(e1000e.errno()).isEqualTo("EBUSY");
        assertThat(DriverBind.check(group, "0000:01:00.1", "pci-stub").allowed()).isTrue();
    }

    @Test
    void aDmaApiDriverOnAnotherMemberRefusesTheClaimButDriverManagedOnesDoNot() {
        HostDescribed host = host(IommuPlatform.INTEL_VT_D).build();
        Groups base = Groups.of(host, 3).device(fn("0000:00:1c.0", 0x060400)).device(fn(NIC, CLASS_ETHERNET))
                .device(fn("0000:01:00.1", CLASS_ETHERNET));
        GroupFacts withPortAndStub = base.owned("0000:00:1c.0", OwnerKind.HOST, null, "pcieport")
                .owned("0000:01:00.1", OwnerKind.HOST, null, "pci-stub")
                .owned(NIC, OwnerKind.HOST, null, "e1000e").build();
        assertThat(Assignment.verdicts(host, withPortAndStub, NIC, List.of())).allMatch(Verdict::getAllowed);

        GroupFacts withNetDriver = base.owned("0000:01:00.1", OwnerKind.HOST, null, "igb").build();
        List<Verdict> verdicts = Assignment.verdicts(host, withNetDriver, NIC, List.of());
        assertThat(verdicts).extracting(Verdict::getErrno).containsExactly("EPERM", "EPERM");
        assertThat(vfio(verdicts).getReason()).startsWith("iommu_group_claim_dma_owner").contains("igb");
    }

    @Test
    void anotherTenantHoldingTheGroupIsBusyForVfioAndPermissionDeniedForIommufd() {
        HostDescribed host = host(IommuPlatform.INTEL_VT_D).build();
        GroupFacts group = Groups.of(host, 3).device(fn(NIC, CLASS_ETHERNET)).device(fn("0000:01:00.1", CLASS_ETHERNET))
                .owned("0000:01:00.1", OwnerKind.VFIO, "vm-2", "vfio-pci").build();
        List<Verdict> verdicts = Assignment.verdicts(host, group, NIC, List.of());
        assertThat(verdicts).extracting(Verdict::getErrno).containsExactly("EBUSY", "EPERM");
        assertThat(vfio(verdicts).getReason()).contains("vm-2");

        GroupFacts sameTenant = Groups.of(host, 3).device(fn(NIC, CLASS_ETHERNET)).device(fn("0000:01:00.1", CLASS_ETHERNET))
                .owned(NIC, OwnerKind.VFIO, "vm-2", "vfio-pci").owned("0000:01:00.1", OwnerKind.VFIO, "vm-2", "vfio-pci").build();
        assertThat(vfio(Assignment.verdicts(host, sameTenant, NIC, List.of())).getAllowed()).isTrue();
    }

    @Test
    void withoutIsolatedMsiBothApisRefuseUnlessUnsafeInterruptsAreAllowed() {
        HostDescribed host = host(IommuPlatform.INTEL_VT_D).build();
        GroupFacts group = Groups.of(host, 1).device(fn(NIC, CLASS_ETHERNET)).unisolatedMsi().build();
        List<Verdict> verdicts = Assignment.verdicts(host, group, NIC, List.of());
        assertThat(verdicts).extracting(Verdict::getErrno).containsExactly("EPERM", "EPERM");
        assertThat(vfio(verdicts).getReason()).contains("allow_unsafe_interrupts");

        HostDescribed unsafe = host(IommuPlatform.INTEL_VT_D).setAllowUnsafeInterrupts(true).build();
        assertThat(Assignment.verdicts(unsafe, group, NIC, List.of())).allMatch(Verdict::getAllowed);
    }

    @Test
    void iommufdRefusesADeviceReportingBothHardwareAndSoftwareMsi() {
        HostDescribed host = host(IommuPlatform.VIRTIO_IOMMU).build();
        GroupFacts sane = Groups.of(host, 0).device(fn(NIC, CLASS_ETHERNET)).build();
        Map<String, List<Region>> both = new LinkedHashMap<>(sane.deviceRegions());
        both.put(NIC, List.of(new Region(0xfee00000L, 0xfeefffffL, ResvType.MSI),
                new Region(0x8000000L, 0x80fffffL, ResvType.SW_MSI)));
        GroupFacts insane = new GroupFacts(0, sane.devices(), sane.regions(), both, sane.owners(), sane.drivers(), true);
        assertThat(iommufd(Assignment.verdicts(host, sane, NIC, List.of())).getAllowed()).isTrue();
        Verdict verdict = iommufd(Assignment.verdicts(host, insane, NIC, List.of()));
        assertThat(verdict.getErrno()).isEqualTo("EINVAL");
        assertThat(verdict.getReason()).startsWith("iopt_table_enforce_dev_resv_regions");
    }

    @Test
    void noIommuMeansNoAssignment() {
        HostDescribed host = host(IommuPlatform.NONE).build();
        GroupFacts group = Groups.of(host, 0).device(fn(NIC, CLASS_ETHERNET)).build();
        assertThat(Assignment.verdicts(host, group, NIC, List.of())).noneMatch(Verdict::getAllowed);
    }
}
