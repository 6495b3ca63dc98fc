package io.iommutracker.streams.api;

import static io.iommutracker.streams.api.TestViews.MSI;
import static io.iommutracker.streams.api.TestViews.RMRR;
import static io.iommutracker.streams.api.TestViews.group;
import static org.assertj.core.api.Assertions.assertThat;

import io.iommutracker.avro.GroupView;
import java.util.List;
import org.junit.jupiter.api.Test;

class GroupDiffTest {

    private static final String A = "0000:00:01.0";
    private static final String B = "0000:01:00.0";
    private static final String C = "0000:01:00.1";
    private static final String D = "0000:02:00.0";

    @Test
    void identicalViewsHaveNoDifference() {
        List<GroupView> g = List.of(group(0, List.of(A, B), MSI), group(1, List.of(D), MSI));
        assertThat(GroupDiff.between(g, g)).isEmpty();
    }

    @Test
    void oneKernelGroupIntoSeveralLiveGroupsIsASplit() {
        List<GroupDiff.Entry> d = GroupDiff.between(List.of(group(0, List.of(A, B, C))), List.of(group(0, List.of(A)), group(7, List.of(B, C))));
        assertThat(d).singleElement().satisfies(e -> {
            assertThat(e.kind()).isEqualTo(GroupDiff.Kind.SPLIT);
            assertThat(e.live()).extracting(GroupView::getId).containsExactly(0, 7);
        });
    }

    @Test
    void severalKernelGroupsIntoOneLiveGroupIsAMerge() {
        List<GroupDiff.Entry> d = GroupDiff.between(List.of(group(3, List.of(A)), group(4, List.of(B)), group(5, List.of(D))),
                List.of(group(3, List.of(A, B)), group(5, List.of(D))));
        assertThat(d).singleElement().extracting(GroupDiff.Entry::kind).isEqualTo(GroupDiff.Kind.MERGED);
    }

    @Test
    void crossingMembershipIsARegrouping() {
        List<GroupDiff.Entry> d = GroupDiff.between(List.of(group(1, List.of(A, B)), group(2, List.of(C, D))),
                List.of(group(1, List.of(A, C)), group(2, List.of(B, D))));
        assertThat(d).singleElement().satisfies(e -> {
            assertThat(e.kind()).isEqualTo(GroupDiff.Kind.REGROUPED);
            assertThat(e.kernel()).hasSize(2);
            assertThat(e.live()).hasSize(2);
        });
    }

    @Test
    void sameMembersWithOtherRegionsAndOneSidedGroupsAreReported() {
        List<GroupDiff.Entry> d = GroupDiff.between(List.of(group(1, List.of(A), MSI), group(2, List.of(B))),
                List.of(group(1, List.of(A), MSI, RMRR), group(9, List.of(D))));
        assertThat(d).extracting(GroupDiff.Entry::kind)
                .containsExactly(GroupDiff.Kind.REGIONS_CHANGED, GroupDiff.Kind.KERNEL_ONLY, GroupDiff.Kind.LIVE_ONLY);
    }

    @Test
    void aDeviceMissingFromOneSideChangesTheMembers() {
        List<GroupDiff.Entry> d = GroupDiff.between(List.of(group(1, List.of(A, B))), List.of(group(1, List.of(A))));
        assertThat(d).singleElement().extracting(GroupDiff.Entry::kind).isEqualTo(GroupDiff.Kind.MEMBERS_CHANGED);
    }
}
