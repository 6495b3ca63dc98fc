package io.iommutracker.emulator.format;

import io.iommutracker.avro.AcsCapability;
import io.iommutracker.avro.BridgeInfo;
import io.iommutracker.avro.MsiState;
import io.iommutracker.avro.MsixState;
import io.iommutracker.avro.PcieType;
import io.iommutracker.avro.Window;
import java.util.Optional;

/**
 * The decoded header and capability lists of one function's raw configuration space, as
 * {@code /sys/bus/pci/devices/X/config} returns it: 4096 bytes for PCIe as root, 256 for
 * conventional PCI, 64 when an unprivileged reader asks (the kernel hides the rest).
 *
 * @param capabilitiesKnown false when the bytes stop before the capability list could be walked
 * @param pcieType          PCI_EXP_FLAGS_TYPE of the Express capability, NOT_PCIE without one,
 *                          UNKNOWN when the capabilities are not known
 */
public record ConfigSpace(
        int vendorId, int deviceId, int command, int status, int revision, int classCode,
        int headerType, boolean multifunction, int subsystemVendorId, int subsystemDeviceId,
        boolean capabilitiesKnown, PcieType pcieType, int pcieCapOffset,
        Optional<AcsCapability> acs, Optional<MsiState> msi, Optional<MsixState> msix,
        boolean atsEnabled, Optional<Sriov> sriov, Optional<BridgeInfo> bridge) {

    /** PCI_CAP_ID_* and PCI_EXT_CAP_ID_* this decoder reads. */
    static final int CAP_MSI = 0x05;
    static final int CAP_EXP = 0x10;
    static final int CAP_MSIX = 0x11;
    static final int EXT_CAP_ACS = 0x0d;
    static final int EXT_CAP_ATS = 0x0f;
    static final int EXT_CAP_SRIOV = 0x10;

    /** The SR-IOV extended capability (PCI_EXT_CAP_ID_SRIOV). */
    public record Sriov(int offset, boolean vfEnabled, int totalVfs, int numVfs, int firstVfOffset, int vfStride,
                        int vfDeviceId) {
    }

    /** Decodes the bytes; throws IllegalArgumentException when fewer than the 64-byte header are given. */
    public static ConfigSpace decode(byte[] cfg) {
        if (cfg.length < 64) {
            throw new IllegalArgumentException("config space has " + cfg.length + " bytes, the header needs 64");
        }
        Reader r = new Reader(cfg);
        int rawHeader = r.u8(0x0e);
        int headerType = rawHeader & 0x7f;
        int status = r.u16(0x06);
        boolean hasCapList = (status & 0x10) != 0; // PCI_STATUS_CAP_LIST
        int subsysOffset = headerType == 2 ? 0x40 : 0x2c; // CardBus keeps them past the header
        int subVendor = headerType == 1 ? 0 : r.u16OrZero(subsysOffset);
        int subDevice = headerType == 1 ? 0 : r.u16OrZero(subsysOffset + 2);

        Walk walk = hasCapList ? walkCapabilities(r, headerType) : Walk.none();
        boolean known = !hasCapList || walk.complete;
        Optional<BridgeInfo> bridge = headerType == 1 ? Optional.of(bridge(r)) : Optional.empty();
        PcieType type = !known ? PcieType.UNKNOWN : walk.expOffset == 0 ? PcieType.NOT_PCIE
                : pcieType((r.u16(walk.expOffset + 2) >> 4) & 0xf);
        return new ConfigSpace(r.u16(0), r.u16(2), r.u16(4), status, r.u8(8), r.u24(9), headerType,
                (rawHeader & 0x80) != 0, subVendor, subDevice, known, type, walk.expOffset,
                walk.acs, walk.msi, walk.msix, walk.atsEnabled, walk.sriov, bridge);
    }

    /** PCI_EXP_TYPE_* to the schema's enum. */
    static PcieType pcieType(int code) {
        return switch (code) {
            case 0x0 -> PcieType.ENDPOINT;
            case 0x1 -> PcieType.LEGACY_ENDPOINT;
            case 0x4 -> PcieType.ROOT_PORT;
            case 0x5 -> PcieType.UPSTREAM_PORT;
            case 0x6 -> PcieType.DOWNSTREAM_PORT;
            case 0x7 -> PcieType.PCIE_TO_PCI_BRIDGE;
            case 0x8 -> PcieType.PCI_TO_PCIE_BRIDGE;
            case 0x9 -> PcieType.RC_INTEGRATED_ENDPOINT;
            case 0xa -> PcieType.RC_EVENT_COLLECTOR;
            default -> PcieType.UNKNOWN;
        };
    }

    private static final class Walk {
        boolean complete = true;
        int expOffset;
        Optional<AcsCapability> acs = Optional.empty();
        Optional<MsiState> msi = Optional.empty();
        Optional<MsixState> msix = Optional.empty();
        Optional<Sriov> sriov = Optional.empty();
        boolean atsEnabled;

        static Walk none() {
            return new Walk();
        }
    }

    // pci_find_capability() / pci_find_ext_capability(): follow the next pointers, bounded against loops
    private static Walk walkCapabilities(Reader r, int headerType) {
        Walk w = new Walk();
        int ptr = r.u8(headerType == 2 ? 0x14 : 0x34) & 0xfc;
        for (int ttl = 48; ptr >= 0x40 && ttl > 0; ttl--) {
            if (ptr + 4 > r.length()) {
                w.complete = false;
                return w;
            }
            int id = r.u8(ptr);
            switch (id) {
                case CAP_EXP -> w.expOffset = ptr;
                case CAP_MSI -> w.msi = Optional.of(msi(r, ptr));
                case CAP_MSIX -> {
                    int ctrl = r.u16(ptr + 2);
                    w.msix = Optional.of(new MsixState((ctrl & 0x8000) != 0, (ctrl & 0x7ff) + 1, (ctrl & 0x4000) != 0));
                }
                default -> {
                }
            }
            ptr = r.u8(ptr + 1) & 0xfc;
        }
        if (w.expOffset == 0) {
            return w;
        }
        if (r.length() < 0x104) {
            w.complete = false; // an Express function whose extended space was not readable
            return w;
        }
        int pos = 0x100;
        for (int ttl = (4096 - 256) / 8; pos >= 0x100 && pos + 4 <= r.length() && ttl > 0; ttl--) {
            int header = r.u32(pos);
            if (header == 0 || header == 0xffffffff) {
                break;
            }
            int id = header & 0xffff;
            if (id == EXT_CAP_ACS && pos + 8 <= r.length()) {
                w.acs = Optional.of(new AcsCapability(pos, r.u16(pos + 4), r.u16(pos + 6)));
            } else if (id == EXT_CAP_ATS && pos + 8 <= r.length()) {
                w.atsEnabled = (r.u16(pos + 6) & 0x8000) != 0;
            } else if (id == EXT_CAP_SRIOV && pos + 0x1c <= r.length()) {
                w.sriov = Optional.of(new Sriov(pos, (r.u16(pos + 8) & 1) != 0, r.u16(pos + 0x0e),
                        r.u16(pos + 0x10), r.u16(pos + 0x14), r.u16(pos + 0x16), r.u16(pos + 0x1a)));
            }
            pos = (header >>> 20) & 0xffc;
        }
        return w;
    }

    private static MsiState msi(Reader r, int ptr) {
        int ctrl = r.u16(ptr + 2);
        boolean is64 = (ctrl & 0x80) != 0; // PCI_MSI_FLAGS_64BIT
        long lo = r.u32(ptr + 4) & 0xffffffffL;
        long hi = is64 ? r.u32(ptr + 8) & 0xffffffffL : 0;
        long address = (hi << 32) | lo;
        return new MsiState((ctrl & 1) != 0, 1 << ((ctrl >> 4) & 7), 1 << ((ctrl >> 1) & 7),
                address == 0 ? null : address);
    }

    // pci_read_bridge_io() / pci_read_bridge_mmio() / pci_read_bridge_mmio_pref(): base > limit = closed
    private static BridgeInfo bridge(Reader r) {
        int ioBase = r.u8(0x1c);
        int ioLimit = r.u8(0x1d);
        long ioB = (ioBase & 0xf0L) << 8;
        long ioL = ((ioLimit & 0xf0L) << 8) | 0xfff;
        if ((ioBase & 0x0f) == 1) { // PCI_IO_RANGE_TYPE_32
            ioB |= (long) r.u16(0x30) << 16;
            ioL |= (long) r.u16(0x32) << 16;
        }
        long memB = (r.u16(0x20) & 0xfff0L) << 16;
        long memL = ((r.u16(0x22) & 0xfff0L) << 16) | 0xfffff;
        int pb = r.u16(0x24);
        long prefB = (pb & 0xfff0L) << 16;
        long prefL = ((r.u16(0x26) & 0xfff0L) << 16) | 0xfffff;
        if ((pb & 0x0f) == 1) { // PCI_PREF_RANGE_TYPE_64
            prefB |= (r.u32(0x28) & 0xffffffffL) << 32;
            prefL |= (r.u32(0x2c) & 0xffffffffL) << 32;
        }
        // all-zero I/O registers: the bridge has no I/O window (pci_read_bridge_windows probes by writing)
        boolean ioImplemented = ioBase != 0 || ioLimit != 0 || r.u16(0x30) != 0;
        return new BridgeInfo(r.u8(0x18), r.u8(0x19), r.u8(0x1a),
                ioImplemented && ioB <= ioL ? new Window(ioB, ioL) : null,
                memB <= memL ? new Window(memB, memL) : null,
                Long.compareUnsigned(prefB, prefL) <= 0 ? new Window(prefB, prefL) : null);
    }

    private record Reader(byte[] b) {
        int length() {
            return b.length;
        }

        int u8(int off) {
            return b[off] & 0xff;
        }

        int u16(int off) {
            return u8(off) | (u8(off + 1) << 8);
        }

        int u16OrZero(int off) {
            return off + 2 <= b.length ? u16(off) : 0;
        }

        int u24(int off) {
            return u8(off) | (u8(off + 1) << 8) | (u8(off + 2) << 16);
        }

        int u32(int off) {
            return u16(off) | (u16(off + 2) << 16);
        }
    }
}
