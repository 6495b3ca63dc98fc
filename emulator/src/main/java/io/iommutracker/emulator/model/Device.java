package io.iommutracker.emulator.model;

import io.iommutracker.avro.AcsCapability;
import io.iommutracker.avro.BridgeInfo;
import io.iommutracker.avro.PciDeviceInfo;
import io.iommutracker.avro.PcieType;
import java.util.function.Function;

/**
 * One PCI function as the emulated kernel holds it (struct pci_dev): the reported facts, kept current by events,
 * plus what header quirks derived at enumeration (DMA alias mask, dev_flags). Never mutated: the wrapped
 * {@link PciDeviceInfo} is replaced, not changed, so callers must treat {@link #info()} as read-only.
 */
public final class Device {

    /** PCI_DEV_FLAG_PCIE_BRIDGE_ALIAS. */
    public static final int FLAG_PCIE_BRIDGE_ALIAS = 1;
    /** PCI_DEV_FLAGS_BRIDGE_XLATE_ROOT. */
    public static final int FLAG_BRIDGE_XLATE_ROOT = 2;
    /** PCI_DEV_FLAGS_ACS_ENABLED_QUIRK: the Intel PCH enable quirk succeeded. */
    public static final int FLAG_ACS_ENABLED_QUIRK = 4;
    /** PCI_DEV_FLAGS_PCI_BRIDGE_NO_ALIAS (Aspeed 1150). */
    public static final int FLAG_PCI_BRIDGE_NO_ALIAS = 8;

    private final Bdf bdf;
    private final PciDeviceInfo info;
    private final int flags;
    private final long[] aliasMask;
    /** The info's encoded form, made on first use: a state write re-encodes only the devices an event replaced. */
    private volatile byte[] infoBytes;

    public Device(Bdf bdf, PciDeviceInfo info, int flags, long[] aliasMask) {
        this.bdf = bdf;
        this.info = info;
        this.flags = flags;
        this.aliasMask = aliasMask == null ? null : aliasMask.clone();
    }

    public Bdf bdf() {
        return bdf;
    }

    public long key() {
        return Keys.device(bdf);
    }

    /** The reported facts with every applied event folded in; read-only. */
    public PciDeviceInfo info() {
        return info;
    }

    /** {@code encoder.apply(info())}, computed once per device version; callers must not change the array. */
    public byte[] infoBytes(Function<PciDeviceInfo, byte[]> encoder) {
        byte[] b = infoBytes;
        if (b == null) {
            b = encoder.apply(info);
            infoBytes = b;
        }
        return b;
    }

    /** Whether {@code other} was enumerated alike: the same header-quirk flags and DMA alias mask. */
    public boolean sameEnumeration(Device other) {
        return flags == other.flags && java.util.Arrays.equals(aliasMask, other.aliasMask);
    }

    public Device withInfo(PciDeviceInfo newInfo) {
        return new Device(bdf, newInfo, flags, aliasMask);
    }

    public Device withFlags(int newFlags) {
        return new Device(bdf, info, newFlags, aliasMask);
    }

    public int flags() {
        return flags;
    }

    public boolean hasFlag(int flag) {
        return (flags & flag) != 0;
    }

    public int vendor() {
        return info.getVendorId();
    }

    public int deviceId() {
        return info.getDeviceId();
    }

    public int classCode() {
        return info.getClassCode();
    }

    /** PCI_EXP_TYPE_*; a capture that could not read capabilities is read as a port when it is a bridge. */
    public PcieType pcieType() {
        PcieType t = info.getPcieType();
        if (t == null || t == PcieType.UNKNOWN) {
            return isBridge() ? PcieType.DOWNSTREAM_PORT : PcieType.ENDPOINT;
        }
        return t;
    }

    public boolean isPcie() {
        return pcieType() != PcieType.NOT_PCIE;
    }

    public boolean isVirtfn() {
        return info.getVirtfn();
    }

    /** dev->multifunction: the header bit, or any function above 0 (pci_scan_slot); VFs never (iov.c). */
    public boolean multifunction() {
        if (info.getVirtfn()) {
            return false;
        }
        return info.getMultifunction() || bdf.function() > 0;
    }

    public boolean isBridge() {
        return info.getBridge() != null || (info.getHeaderType() & 0x7f) == 1;
    }

    public BridgeInfo bridge() {
        return info.getBridge();
    }

    public int secondary() {
        return info.getBridge() == null ? -1 : info.getBridge().getSecondary();
    }

    public int subordinate() {
        return info.getBridge() == null ? -1 : info.getBridge().getSubordinate();
    }

    public boolean hasAcsCap() {
        return info.getAcs() != null;
    }

    public int acsCap() {
        AcsCapability a = info.getAcs();
        return a == null ? 0 : a.getCap() & 0xffff;
    }

    public int acsCtrl() {
        AcsCapability a = info.getAcs();
        return a == null ? 0 : a.getCtrl() & 0xffff;
    }

    /** test_bit(devfn, dma_alias_mask). */
    public boolean aliases(int devfn) {
        return aliasMask != null && (aliasMask[devfn >>> 6] & (1L << (devfn & 63))) != 0;
    }

    public boolean hasAliasMask() {
        return aliasMask != null;
    }

    public int slot() {
        return bdf.device();
    }

    @Override
    public String toString() {
        return bdf + " [" + String.format("%04x:%04x", vendor(), deviceId()) + " " + pcieType() + "]";
    }
}
