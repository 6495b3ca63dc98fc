package io.iommutracker.emulator.cmdline;

import java.util.List;

/** The out-of-tree {@code pcie_acs_override=downstream,multifunction,id:vvvv:dddd} options. */
public record AcsOverrideOptions(boolean downstream, boolean multifunction, List<int[]> ids) {

    public AcsOverrideOptions {
        ids = List.copyOf(ids);
    }

    public boolean listsId(int vendor, int device) {
        for (int[] id : ids) {
            if (id[0] == vendor && id[1] == device) {
                return true;
            }
        }
        return false;
    }
}
