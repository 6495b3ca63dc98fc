package io.iommutracker.emulator.resv;

import static org.assertj.core.api.Assertions.assertThat;

import io.iommutracker.avro.ResvType;
import java.util.List;
import org.junit.jupiter.api.Test;

/** iommu_insert_resv_region(): ordering and merging rules, including the edge cases. */
class ResvInsertTest {

    private static List<Region> merge(Region... regions) {
        return ReservedRegions.forGroup(List.of(List.of(regions)));
    }

    @Test
    void adjacentRegionsOfTheSameTypeMerge() {
        assertThat(merge(new Region(0x2000, 0x2fff, ResvType.RESERVED), new Region(0x1000, 0x1fff, ResvType.RESERVED)))
                .containsExactly(new Region(0x1000, 0x2fff, ResvType.RESERVED));
    }

    @Test
    void aGapOfOneByteKeepsRegionsApart() {
        assertThat(merge(new Region(0x1000, 0x1ffe, ResvType.DIRECT), new Region(0x2000, 0x2fff, ResvType.DIRECT)))
                .containsExactly(new Region(0x1000, 0x1ffe, ResvType.DIRECT), new Region(0x2000, 0x2fff, ResvType.DIRECT));
    }

    @Test
    void overlappingRegionsOfDifferentTypesNeverMerge() {
        assertThat(merge(new Region(0x1000, 0x2fff, ResvType.MSI), new Region(0x1000, 0x1fff, ResvType.RESERVED)))
                .containsExactly(new Region(0x1000, 0x1fff, ResvType.RESERVED), new Region(0x1000, 0x2fff, ResvType.MSI));
    }

    @Test
    void equalStartsAreOrderedByTypeValueAndSwMsiComesLast() {
        List<Region> merged = merge(new Region(0x8000000, 0x80fffff, ResvType.SW_MSI), new Region(0x8000000, 0x80fffff, ResvType.MSI),
                new Region(0x8000000, 0x80fffff, ResvType.DIRECT_RELAXABLE), new Region(0x8000000, 0x80fffff, ResvType.DIRECT));
        assertThat(merged).extracting(Region::type)
                .containsExactly(ResvType.DIRECT, ResvType.DIRECT_RELAXABLE, ResvType.MSI, ResvType.SW_MSI);
        assertThat(ReservedRegions.sysfsText(merged)).contains("0x0000000008000000 0x00000000080fffff msi\n"
                + "0x0000000008000000 0x00000000080fffff msi\n");
    }

    @Test
    void aRegionSpanningSeveralOthersSwallowsThemAndKeepsOthersTypesInPlace() {
        List<Region> merged = merge(new Region(0x1000, 0x1fff, ResvType.DIRECT), new Region(0x1800, 0x1800, ResvType.MSI),
                new Region(0x3000, 0x3fff, ResvType.DIRECT), new Region(0x0800, 0x5000, ResvType.DIRECT));
        assertThat(merged).containsExactly(new Region(0x0800, 0x5000, ResvType.DIRECT), new Region(0x1800, 0x1800, ResvType.MSI));
    }

    @Test
    void addressesAboveTwoToTheSixtyThreeSortUnsigned() {
        List<Region> merged = merge(new Region(0x8000_0000_0000_0000L, -1L, ResvType.RESERVED), new Region(0, 0xfff, ResvType.RESERVED));
        assertThat(merged).containsExactly(new Region(0, 0xfff, ResvType.RESERVED),
                new Region(0x8000_0000_0000_0000L, -1L, ResvType.RESERVED));
        assertThat(ReservedRegions.sysfsText(merged)).endsWith("0x8000000000000000 0xffffffffffffffff reserved\n");
    }

    @Test
    void aRegionEndingAtTheTopDoesNotAbsorbAFollowerBecauseEndPlusOneWraps() {
        List<Region> merged = merge(new Region(0x1000, -1L, ResvType.RESERVED), new Region(0x2000, 0x2fff, ResvType.RESERVED));
        assertThat(merged).containsExactly(new Region(0x1000, -1L, ResvType.RESERVED), new Region(0x2000, 0x2fff, ResvType.RESERVED));
    }

    @Test
    void groupOrderDoesNotChangeTheMergedList() {
        List<Region> a = List.of(new Region(0x7b800000L, 0x7b8fffffL, ResvType.DIRECT), new Region(0xfee00000L, 0xfeefffffL, ResvType.MSI));
        List<Region> b = List.of(new Region(0x7b900000L, 0x7b9fffffL, ResvType.DIRECT), new Region(0xfee00000L, 0xfeefffffL, ResvType.MSI));
        assertThat(ReservedRegions.forGroup(List.of(a, b))).isEqualTo(ReservedRegions.forGroup(List.of(b, a)))
                .containsExactly(new Region(0x7b800000L, 0x7b9fffffL, ResvType.DIRECT), new Region(0xfee00000L, 0xfeefffffL, ResvType.MSI));
    }
}
