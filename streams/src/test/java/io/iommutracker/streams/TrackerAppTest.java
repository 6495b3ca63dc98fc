package io.iommutracker.streams;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Set;
import org.apache.kafka.common.acl.AclOperation;
import org.junit.jupiter.api.Test;

class TrackerAppTest {

    @Test
    void shouldRefuseAnEvaluationWindowToAPrincipalThatMayOnlyReadTheTelemetry() {
        String refusal = TrackerApp.tickWriteRefusal(Set.of(AclOperation.READ, AclOperation.DESCRIBE));
        assertThat(refusal).contains("may not WRITE to pci.telemetry.events")
                .contains("allowed: [READ, DESCRIBE]").contains("--evaluation-window 0ms");
    }

    @Test
    void shouldAcceptWriteOrAllAndNotHoldABrokerThatDoesNotSayAgainstTheStart() {
        assertThat(TrackerApp.tickWriteRefusal(Set.of(AclOperation.READ, AclOperation.WRITE))).isNull();
        assertThat(TrackerApp.tickWriteRefusal(Set.of(AclOperation.ALL))).isNull();
        assertThat(TrackerApp.tickWriteRefusal(null)).isNull();
        assertThat(TrackerApp.tickWriteRefusal(Set.of())).isNull();
    }
}
