package io.iommutracker.emulator.format;

import io.iommutracker.avro.VirtioResvMem;
import java.util.List;

/**
 * What a virtio-iommu on x86 reports in its PROBE: x86 MSIs are writes to the fixed local-APIC window, which the
 * IOMMU does not translate, so the device declares [0xfee00000, 0xfeefffff] as a RESV_MEM region of subtype MSI
 * (QEMU's pc machine sets it on every virtio-iommu-pci, the only x86 implementation). A capture does not record the
 * PROBE reply, so a capture of an x86 host with a virtio-iommu is taken to carry this one.
 */
final class VirtioX86 {

    private static final int VIRTIO_IOMMU_RESV_MEM_T_MSI = 1;
    private static final long APIC_MSI_BASE = 0xfee00000L;
    private static final long APIC_MSI_END = 0xfeefffffL;

    private VirtioX86() {
    }

    static List<VirtioResvMem> msiWindow() {
        return List.of(new VirtioResvMem(VIRTIO_IOMMU_RESV_MEM_T_MSI, APIC_MSI_BASE, APIC_MSI_END, List.of()));
    }
}
