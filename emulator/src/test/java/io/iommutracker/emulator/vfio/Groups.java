package io.iommutracker.emulator.vfio;

import io.iommutracker.avro.HostDescribed;
import io.iommutracker.avro.Owner;
import io.iommutracker.avro.OwnerKind;
import io.iommutracker.avro.PciDeviceInfo;
import io.iommutracker.emulator.resv.Region;
import io.iommutracker.emulator.resv.ReservedRegions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Builds GroupFacts from PCI functions through the real reserved-region code. */
final class Groups {

    private final HostDescribed host;
    private final int id;
    private final List<PciDeviceInfo> devices = new ArrayList<>();
    private final Map<String, Owner> owners = new HashMap<>();
    private final Map<String, String> drivers = new HashMap<>();
    private boolean isolatedMsi = true;

    private Groups(HostDescribed host, int id) {
        this.host = host;
        this.id = id;
    }

    static Groups of(HostDescribed host, int id) {
        return new Groups(host, id);
    }

    Groups device(PciDeviceInfo device) {
        devices.add(device);
        owners.put(device.getBdf(), new Owner(OwnerKind.NONE, null));
        return this;
    }

    Groups owned(String bdf, OwnerKind kind, String ownerId, String driver) {
        owners.put(bdf, new Owner(kind, ownerId));
        if (driver != null) {
            drivers.put(bdf, driver);
        }
        return this;
    }

    Groups unisolatedMsi() {
        isolatedMsi = false;
        return this;
    }

    GroupFacts build() {
        Map<String, List<Region>> perDevice = new LinkedHashMap<>();
        List<String> bdfs = new ArrayList<>();
        for (PciDeviceInfo device : devices) {
            perDevice.put(device.getBdf(), ReservedRegions.forDevice(host, device, List.of()));
            bdfs.add(device.getBdf());
        }
        List<Region> merged = ReservedRegions.forGroup(new ArrayList<>(perDevice.values()));
        return new GroupFacts(id, bdfs, merged, perDevice, owners, drivers, isolatedMsi);
    }
}
