package io.iommutracker.streams.api;

import io.iommutracker.avro.AssignApi;
import io.iommutracker.avro.HostDescribed;
import io.iommutracker.avro.IovaRange;
import io.iommutracker.avro.Owner;
import io.iommutracker.emulator.HostState;
import io.iommutracker.emulator.model.Bdf;
import io.iommutracker.emulator.model.Device;
import io.iommutracker.emulator.resv.Region;
import io.iommutracker.emulator.resv.ReservedRegions;
import io.iommutracker.emulator.state.HostModel;
import io.iommutracker.emulator.vfio.Assignment;
import io.iommutracker.emulator.vfio.GroupFacts;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Usable IOVA of a container / IOAS holding several kernel groups, computed from the host's emulated state: the
 * platform's own facts (aperture, RMRRs, IVMDs...) and each member device's own reserved regions, which iommufd
 * enforces per device. The HostView has neither (it keeps regions merged per group and only the platform's name).
 */
final class GroupSetIova {

    private GroupSetIova() {
    }

    /** The ids in {@code groups} that are not kernel groups of the host. */
    static List<Integer> unknown(HostState state, List<Integer> groups) {
        List<Integer> out = new ArrayList<>();
        for (Integer id : groups) {
            if (!state.model().kernelGroups().ids().contains(id)) {
                out.add(id);
            }
        }
        return out;
    }

    static List<IovaRange> usable(HostState state, List<Integer> groups, AssignApi api, Map<String, Owner> owners) {
        return Assignment.usableIova(platform(state.model()), facts(state, groups, owners), api);
    }

    /** What VFIO and iommufd look at in each group, as the view builder derives it for a single group. */
    static List<GroupFacts> facts(HostState state, List<Integer> groups, Map<String, Owner> owners) {
        HostModel m = state.model();
        HostDescribed host = platform(m);
        List<GroupFacts> out = new ArrayList<>();
        for (Integer id : groups) {
            List<String> names = new ArrayList<>();
            List<List<Region>> perDeviceInOrder = new ArrayList<>();
            Map<String, List<Region>> perDevice = new LinkedHashMap<>();
            Map<String, Owner> groupOwners = new LinkedHashMap<>();
            Map<String, String> drivers = new LinkedHashMap<>();
            for (Bdf b : m.kernelGroups().members(id)) {
                Device d = m.topology().device(b);
                if (d == null) {
                    continue;
                }
                String n = b.toString();
                List<io.iommutracker.avro.PciDeviceInfo> upstream = new ArrayList<>();
                for (Device u : m.topology().upstream(d)) {
                    upstream.add(u.info());
                }
                // the platform driver's get_resv_regions() for this device
                List<Region> own = ReservedRegions.forDevice(host, d.info(), upstream);
                names.add(n);
                perDeviceInOrder.add(own);
                perDevice.put(n, own);
                if (owners.containsKey(n)) {
                    groupOwners.put(n, owners.get(n));
                }
                if (d.info().getDriver() != null) {
                    drivers.put(n, d.info().getDriver());
                }
            }
            // iommu_get_group_resv_regions()
            List<Region> merged = ReservedRegions.forGroup(perDeviceInOrder);
            out.add(new GroupFacts(id, names, merged, perDevice, groupOwners, drivers, host.getIsolatedMsi()));
        }
        return out;
    }

    /** The host's platform facts; a host never described gets the schema defaults, as the view builder gives it. */
    static HostDescribed platform(HostModel m) {
        return m.host() == null ? HostDescribed.newBuilder().build() : m.host();
    }
}
