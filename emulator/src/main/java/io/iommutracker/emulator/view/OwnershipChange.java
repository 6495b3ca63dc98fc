package io.iommutracker.emulator.view;

import io.iommutracker.avro.PciDeviceInfo;
import io.iommutracker.emulator.model.Device;
import java.util.Objects;

/**
 * Whether two versions of a device differ only in who owns it (bound driver, owner). Reserved regions, live-group
 * anchors and P2P hazards read the hardware and never the owner, so such a change leaves them as they were.
 */
final class OwnershipChange {

    private static final int FIELDS = PciDeviceInfo.getClassSchema().getFields().size();
    private static final int DRIVER = PciDeviceInfo.getClassSchema().getField("driver").pos();
    private static final int OWNER = PciDeviceInfo.getClassSchema().getField("owner").pos();

    private OwnershipChange() {
    }

    /** Same driver and owner: what a group's facts and a device's view read of it besides its address. */
    static boolean sameOwner(Device was, Device now) {
        return Objects.equals(was.info().getDriver(), now.info().getDriver())
                && Objects.equals(was.info().getOwner(), now.info().getOwner());
    }

    static boolean only(Device was, Device now) {
        if (!was.bdf().equals(now.bdf()) || !was.sameEnumeration(now)) {
            return false;
        }
        PciDeviceInfo a = was.info();
        PciDeviceInfo b = now.info();
        for (int i = 0; i < FIELDS; i++) {
            if (i == DRIVER || i == OWNER) {
                continue;
            }
            Object x = a.get(i);
            Object y = b.get(i);
            // an edit copies the record shallowly, so unchanged fields are the same objects
            if (x != y && !Objects.equals(x, y)) {
                return false;
            }
        }
        return true;
    }
}
