package io.iommutracker.streams.topology;

import static org.assertj.core.api.Assertions.assertThat;

import io.iommutracker.avro.GroupView;
import java.util.List;
import org.junit.jupiter.api.Test;

class GroupIdsTest {

    private static GroupView[] groups(int... ids) {
        GroupView[] out = new GroupView[ids.length];
        for (int i = 0; i < ids.length; i++) {
            out[i] = new GroupView(ids[i], List.of("0000:00:0" + i + ".0"), List.of(), false, true);
        }
        return out;
    }

    @Test
    void shouldPairGroupsOfTheSameIdAcrossGapsOnEitherSide() {
        // 2 gone, 4 new, 9 after everything of the other side
        assertThat(GroupIds.partners(groups(1, 3, 4, 9), groups(1, 2, 3, 5))).containsExactly(0, 2, -1, -1);
        assertThat(GroupIds.partners(groups(1, 2, 3, 5), groups(1, 3, 4, 9))).containsExactly(0, -1, 1, -1);
        assertThat(GroupIds.partners(groups(), groups(1, 2))).isEmpty();
    }

    @Test
    void shouldLeaveListsOutOfIdOrderToTheCaller() {
        assertThat(GroupIds.partners(groups(3, 1), groups(1, 3))).isNull();
        assertThat(GroupIds.partners(groups(1, 3), groups(1, 1))).isNull();
    }
}
