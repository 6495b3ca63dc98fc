package io.iommutracker.emulator.resv;

import java.util.ArrayList;
import java.util.List;

/**
 * iommu_insert_resv_region() (drivers/iommu/iommu.c), step for step: insert by start (ties: lower type first), then
 * sweep the list merging only regions of the inserted region's type that overlap or touch the previous one of that type.
 */
final class ResvInsert {

    private ResvInsert() {
    }

    /** Returns the new list; {@code regions} is not modified. */
    static List<Region> insert(List<Region> regions, Region nr) {
        List<Region> list = new ArrayList<>(regions);
        int newType = ResvTypes.kernelValue(nr.type());

        // "First add the new element based on start address sorting"
        int at = list.size();
        for (int i = 0; i < list.size(); i++) {
            Region iter = list.get(i);
            int byStart = Long.compareUnsigned(nr.start(), iter.start());
            if (byStart < 0 || (byStart == 0 && newType <= ResvTypes.kernelValue(iter.type()))) {
                at = i;
                break;
            }
        }
        list.add(at, nr);

        // "Merge overlapping segments of type nr->type in @regions, if any"
        List<Region> stack = new ArrayList<>();
        for (Region iter : list) {
            if (iter.type() != nr.type()) {
                stack.add(iter);
                continue;
            }
            int top = lastOfType(stack, iter);
            if (top < 0) {
                stack.add(iter);
                continue;
            }
            Region t = stack.get(top);
            // top_end + 1 wraps to 0 at the top of the address space, exactly as the u64 arithmetic does.
            if (Long.compareUnsigned(iter.start(), t.end() + 1) > 0) {
                stack.add(iter);
            } else {
                long end = Long.compareUnsigned(t.end(), iter.end()) >= 0 ? t.end() : iter.end();
                stack.set(top, new Region(t.start(), end, t.type()));
            }
        }
        return stack;
    }

    // list_for_each_entry_reverse(top, &stack, list) if (top->type == iter->type)
    private static int lastOfType(List<Region> stack, Region iter) {
        for (int i = stack.size() - 1; i >= 0; i--) {
            if (stack.get(i).type() == iter.type()) {
                return i;
            }
        }
        return -1;
    }
}
