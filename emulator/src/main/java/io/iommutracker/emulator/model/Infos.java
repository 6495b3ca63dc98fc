package io.iommutracker.emulator.model;

import io.iommutracker.avro.PciDeviceInfo;
import java.util.function.Consumer;

/** Copy-on-write edits of a {@link PciDeviceInfo}: a shallow field copy, then one change, so unchanged parts are shared. */
public final class Infos {

    private Infos() {
    }

    public static PciDeviceInfo edit(PciDeviceInfo info, Consumer<PciDeviceInfo> change) {
        PciDeviceInfo copy = new PciDeviceInfo();
        int n = PciDeviceInfo.getClassSchema().getFields().size();
        for (int i = 0; i < n; i++) {
            copy.put(i, info.get(i));
        }
        change.accept(copy);
        return copy;
    }

    /** A deep copy for callers outside the emulator, who may change what they get. */
    public static PciDeviceInfo deepCopy(PciDeviceInfo info) {
        return PciDeviceInfo.newBuilder(info).build();
    }
}
