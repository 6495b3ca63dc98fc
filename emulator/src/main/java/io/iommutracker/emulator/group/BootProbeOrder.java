package io.iommutracker.emulator.group;

import io.iommutracker.avro.DmarUnit;
import io.iommutracker.avro.HostDescribed;
import io.iommutracker.avro.IommuPlatform;
import io.iommutracker.emulator.model.Bdf;
import io.iommutracker.emulator.model.Device;
import io.iommutracker.emulator.model.Topology;
import java.util.ArrayList;
import java.util.List;

/**
 * The order in which a boot's IOMMU probe reaches the devices, which fixes the group ids (iommu_group_alloc hands out
 * the lowest free id). Enumeration order ({@link ProbeOrder}) except where the IOMMU driver registers in pieces:
 * <ul>
 * <li>VT-d (6.1 on, when bus_set_iommu() was retired): iommu_device_register() runs per remapping unit in dmar_drhd_units order and probes the bus then;
 * intel_iommu_probe_device() refuses (-ENODEV) devices whose unit has not registered yet. dmar_register_drhd_unit()
 * puts units with a device scope at the head of the list (so they register in reverse table order) and INCLUDE_ALL
 * units at the tail. Before 6.1 bus_set_iommu() probed the whole bus once, in enumeration order. (A 6.1.0 kernel's log
 * in the real-machine captures shows the per-unit order: Thunderbolt units' ports first, then the iGPU.)</li>
 * <li>fwspec IOMMUs (SMMU, virtio-iommu, DART): the group is made at the device's first driver probe
 * (dma_configure). The built-in port driver's probes are deferred until the IOMMU registers and retried first, in
 * enumeration order; the other drivers (modules, or a capture tool binding stubs) come after, in enumeration order.</li>
 * </ul>
 */
public final class BootProbeOrder {

    /** The port service driver (drivers/pci/pcie/portdrv.c), built in. */
    public static final String PORT_DRIVER = "pcieport";

    private BootProbeOrder() {
    }

    public static List<Device> of(Topology topo, HostDescribed host) {
        List<Device> order = ProbeOrder.of(topo);
        IommuPlatform p = host == null ? IommuPlatform.NONE : host.getPlatform();
        return switch (p) {
            case INTEL_VT_D -> registersPerUnit(host) ? byDmarUnit(order, topo, units(host, topo)) : order;
            case ARM_SMMU, ARM_SMMU_V3, VIRTIO_IOMMU, APPLE_DART -> portsFirst(order);
            default -> order;
        };
    }

    private static List<Device> portsFirst(List<Device> order) {
        List<Device> out = new ArrayList<>(order.size());
        for (Device d : order) {
            if (PORT_DRIVER.equals(d.info().getDriver())) {
                out.add(d);
            }
        }
        for (Device d : order) {
            if (!PORT_DRIVER.equals(d.info().getDriver())) {
                out.add(d);
            }
        }
        return out;
    }

    /** Kernels from 6.1 (or of unknown release) probe at each unit's registration. */
    static boolean registersPerUnit(HostDescribed host) {
        String r = host.getKernelRelease();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("^(\\d+)\\.(\\d+)").matcher(r == null ? "" : r);
        if (!m.find()) {
            return true;
        }
        int major = Integer.parseInt(m.group(1));
        int minor = Integer.parseInt(m.group(2));
        return major > 6 || (major == 6 && minor >= 1);
    }

    /**
     * The host's units, or when it names none: Intel client platforms give the integrated graphics 00:02.0 a unit of
     * its own (every DMAR of such a platform in the captures does; the kernel keys its gfx quirks on it), the rest
     * being under one INCLUDE_ALL unit.
     */
    static List<DmarUnit> units(HostDescribed host, Topology topo) {
        if (!host.getDmarUnits().isEmpty()) {
            return host.getDmarUnits();
        }
        Device gpu = topo.device(new Bdf(0, 0, 2, 0));
        if (gpu != null && gpu.vendor() == 0x8086 && gpu.classCode() >> 16 == 0x03) {
            return List.of(new DmarUnit(0L, false, List.of(gpu.bdf().toString())), new DmarUnit(0L, true, List.of()));
        }
        return List.of();
    }

    private static List<Device> byDmarUnit(List<Device> order, Topology topo, List<DmarUnit> table) {
        if (table.isEmpty()) {
            return order;
        }
        // dmar_register_drhd_unit(): scoped units list_add_rcu (head), INCLUDE_ALL list_add_tail_rcu.
        List<DmarUnit> list = new ArrayList<>();
        for (DmarUnit u : table) {
            if (!u.getIncludeAll()) {
                list.add(0, u);
            }
        }
        for (DmarUnit u : table) {
            if (u.getIncludeAll()) {
                list.add(u);
            }
        }
        List<List<Device>> perUnit = new ArrayList<>();
        for (int i = 0; i <= list.size(); i++) {
            perUnit.add(new ArrayList<>());
        }
        for (Device d : order) {
            perUnit.get(unitOf(d, list, topo)).add(d);
        }
        List<Device> out = new ArrayList<>(order.size());
        perUnit.forEach(out::addAll);
        return out;
    }

    // device_lookup_iommu(): the first unit in list order whose scope names the device or a bridge above it;
    // an INCLUDE_ALL unit takes the rest. No unit: placed last.
    private static int unitOf(Device d, List<DmarUnit> list, Topology topo) {
        for (int i = 0; i < list.size(); i++) {
            DmarUnit u = list.get(i);
            if (u.getIncludeAll()) {
                return i;
            }
            for (String s : u.getDeviceScopes()) {
                if (covers(Bdf.parse(s), d, topo)) {
                    return i;
                }
            }
        }
        return list.size();
    }

    private static boolean covers(Bdf scope, Device d, Topology topo) {
        Device at = d;
        int guard = 0;
        while (at != null && guard++ < 256) {
            if (at.bdf().equals(scope)) {
                return true;
            }
            at = topo.parent(at);
        }
        return false;
    }
}
