package io.iommutracker.emulator.acs;

import static io.iommutracker.emulator.acs.AcsFlags.REQ_ACS_FLAGS;

import io.iommutracker.avro.AcsCapability;
import io.iommutracker.avro.PciDeviceInfo;
import io.iommutracker.avro.PcieType;
import io.iommutracker.emulator.model.Device;
import io.iommutracker.emulator.model.Infos;
import io.iommutracker.emulator.model.Topology;
import io.iommutracker.emulator.quirks.VendorIds;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * What the emulator assumes for a function whose capabilities the capture could not show ({@code capabilitiesKnown}
 * false: lspci without root, {@code lspci -nnk}, {@code lspci -v} naming ACS without its registers). Grouping cannot
 * be computed without the port type and ACS, so each gap is filled by what is known of the silicon, never by the
 * machine: first a fact read for the function's id from another machine's readable config space
 * ({@link KnownCapabilities}), else the hardware fact that holds for the kind of function:
 * <ul>
 * <li>Port type from the topology: a bridge on a root bus is a root port; a bridge below a root or downstream port is
 * a switch upstream port when bridges sit below it, else a PCIe-to-PCI bridge (an upstream port only ever has
 * downstream ports below it); a bridge below an upstream port is a downstream port; a function below a PCIe-to-PCI
 * or PCI bridge is conventional PCI. Endpoints stay as read.</li>
 * <li>An ACS capability seen without its registers: it provides the controls grouping requires (SV, RR, CR, UF), and
 * the kernel enables them at enumeration (pci_std_enable_acs()).</li>
 * <li>Root and downstream ports with nothing known: PCIe ports are taken to implement ACS with those controls (AMD
 * GPP bridges and Intel PCH ports do, or are covered by the Intel PCH quirks, which are matched by id before ACS is
 * read), except the Intel client processor's PEG ports, which have no ACS capability and no quirk: the kernel groups
 * a GPU with its PEG port (the reason pcie_acs_override exists).</li>
 * <li>Multifunction endpoints with nothing known: no ACS, so not isolated unless an ACS quirk says otherwise. This is
 * the kernel's own answer for a function without ACS and the conservative one: a tracker must not claim isolation the
 * capture does not show.</li>
 * </ul>
 */
public final class UnknownCapabilities {

    /**
     * Intel client processor PCIe (PEG) root ports without ACS: Sandy Bridge, Ivy Bridge, Haswell, and Skylake to
     * Comet Lake ("6th-10th Gen Core Processor PCIe Controller").
     */
    static final Set<Integer> INTEL_PEG_NO_ACS = Set.of(0x0101, 0x0105, 0x0109, 0x010d, 0x0151, 0x0155, 0x0159, 0x015d,
            0x0c01, 0x0c05, 0x0c09, 0x0c0d, 0x1901, 0x1905, 0x1909);

    private UnknownCapabilities() {
    }

    /** The function's facts with the gaps filled; {@code info} itself when the capture knew its capabilities. */
    public static PciDeviceInfo assume(PciDeviceInfo info, Device parent, Topology known) {
        if (info.getCapabilitiesKnown()) {
            return info;
        }
        PcieType type = info.getPcieType() == null || info.getPcieType() == PcieType.UNKNOWN
                ? portType(info, parent, known) : info.getPcieType();
        AcsCapability acs = info.getAcs();
        Optional<KnownCapabilities.Fact> fact = KnownCapabilities.lookup(info);
        if (fact.isPresent()) {
            Integer cap = fact.get().acsCap();
            acs = cap == null ? null : new AcsCapability(acs == null ? 0 : acs.getOffset(), cap, 0);
        } else if (acs != null) {
            acs = new AcsCapability(acs.getOffset(), REQ_ACS_FLAGS, 0);
        } else if (isPort(type, info) && !pegWithoutAcs(info)) {
            acs = new AcsCapability(0, REQ_ACS_FLAGS, 0);
        }
        if (type == info.getPcieType() && acs == info.getAcs()) {
            return info;
        }
        PcieType t = type;
        AcsCapability a = acs;
        return Infos.edit(info, i -> {
            i.setPcieType(t);
            i.setAcs(a);
        });
    }

    private static boolean isPort(PcieType type, PciDeviceInfo info) {
        boolean bridge = info.getBridge() != null || (info.getHeaderType() & 0x7f) == 1;
        return type == PcieType.ROOT_PORT || type == PcieType.DOWNSTREAM_PORT || (type == PcieType.UNKNOWN && bridge);
    }

    static boolean pegWithoutAcs(PciDeviceInfo info) {
        return info.getVendorId() == VendorIds.INTEL && INTEL_PEG_NO_ACS.contains(info.getDeviceId());
    }

    private static PcieType portType(PciDeviceInfo info, Device parent, Topology known) {
        boolean bridge = info.getBridge() != null || (info.getHeaderType() & 0x7f) == 1;
        PcieType up = parent == null ? null : parent.pcieType();
        if (up == PcieType.PCIE_TO_PCI_BRIDGE || up == PcieType.NOT_PCIE) {
            return PcieType.NOT_PCIE;
        }
        if (!bridge) {
            return PcieType.UNKNOWN;
        }
        if (parent == null) {
            return PcieType.ROOT_PORT;
        }
        if (up == PcieType.UPSTREAM_PORT) {
            return PcieType.DOWNSTREAM_PORT;
        }
        int domain = parent.bdf().domain();
        List<Device> below = info.getBridge() == null ? List.of() : known.onBus(domain, info.getBridge().getSecondary());
        if (!below.isEmpty() && below.stream().noneMatch(Device::isBridge)) {
            return PcieType.PCIE_TO_PCI_BRIDGE;
        }
        return below.isEmpty() ? PcieType.UNKNOWN : PcieType.UPSTREAM_PORT;
    }
}
