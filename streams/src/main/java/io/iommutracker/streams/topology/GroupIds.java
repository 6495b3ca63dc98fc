package io.iommutracker.streams.topology;

import io.iommutracker.avro.GroupView;
import java.util.Arrays;

/** Matching the groups of two views by id, for the diff and the alert rules' memo. */
public final class GroupIds {

    private GroupIds() {
    }

    /**
     * For each group of {@code of}, the index in {@code in} of the group with the same id, else -1; by one merge walk
     * when both arrays list their groups in strictly increasing id order (as the emulator does). Null when either does
     * not, so the caller matches them its own way.
     */
    public static int[] partners(GroupView[] of, GroupView[] in) {
        if (!ascending(of) || !ascending(in)) {
            return null;
        }
        int[] out = new int[of.length];
        Arrays.fill(out, -1);
        int i = 0;
        for (int j = 0; j < of.length; j++) {
            int id = of[j].getId();
            while (i < in.length && in[i].getId() < id) {
                i++;
            }
            if (i < in.length && in[i].getId() == id) {
                out[j] = i;
            }
        }
        return out;
    }

    private static boolean ascending(GroupView[] groups) {
        for (int i = 1; i < groups.length; i++) {
            if (groups[i - 1].getId() >= groups[i].getId()) {
                return false;
            }
        }
        return true;
    }
}
