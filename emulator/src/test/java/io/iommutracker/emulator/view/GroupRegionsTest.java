package io.iommutracker.emulator.view;

import static org.assertj.core.api.Assertions.assertThat;

import io.iommutracker.avro.ResvType;
import io.iommutracker.emulator.resv.Region;
import io.iommutracker.emulator.resv.ReservedRegions;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link HostViewBuilder#groupRegions} merges each distinct device list once; that must give what merging every
 * device's list in group order gives, including regions of different types starting at the same address.
 */
class GroupRegionsTest {

    @Test
    void mergingEachDistinctListOnceEqualsMergingEveryList() {
        Random rnd = new Random(17);
        ResvType[] types = ResvType.values();
        for (int round = 0; round < 20_000; round++) {
            List<List<Region>> pool = new ArrayList<>();
            for (int l = 1 + rnd.nextInt(3); l > 0; l--) {
                List<Region> regions = new ArrayList<>();
                for (int r = rnd.nextInt(4); r > 0; r--) {
                    // few distinct addresses, so starts and ends tie and touch
                    long start = rnd.nextInt(6) * 0x1000L;
                    long end = start + (1 + rnd.nextInt(3)) * 0x1000L - 1;
                    regions.add(new Region(start, end, types[rnd.nextInt(types.length)]));
                }
                pool.add(List.copyOf(regions));
            }
            List<List<Region>> group = new ArrayList<>();
            for (int d = 1 + rnd.nextInt(6); d > 0; d--) {
                // equal lists as different objects, as each device's are
                group.add(List.copyOf(pool.get(rnd.nextInt(pool.size()))));
            }
            assertThat(HostViewBuilder.groupRegions(group)).as("%s", group).isEqualTo(ReservedRegions.forGroup(group));
        }
    }
}
