package io.iommutracker.streams.topology;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Set;
import org.junit.jupiter.api.Test;

class HostTailTest {

    static final byte[] EVENT = {1, 2, 3, 4, 5};
    static final long AT = 1_700_000_000_000L;

    @Test
    void shouldStoreFiringAndViewStampOnlyWhenTheyChangeAndReadThemBackAgainstTheSameBefore() {
        HostTail.Before before = new HostTail.Before(Set.of("a", "b"), 40, AT - 500);
        HostTail.Entry same = new HostTail.Entry(41, 42, AT, null, false, Set.of("a", "b"), 40, AT - 500, true, EVENT);
        HostTail.Entry changed = new HostTail.Entry(41, 45, AT, new HostRecord.Gap(42, 45, AT), false, Set.of("c"), 45,
                AT, false, EVENT);
        byte[] plain = HostTail.encode(same, before);
        byte[] full = HostTail.encode(changed, before);
        assertThat(HostTail.decode(plain, before)).usingRecursiveComparison().isEqualTo(same);
        assertThat(HostTail.decode(full, before)).usingRecursiveComparison().isEqualTo(changed);
        assertThat(plain.length).as("header of an unchanged entry").isLessThan(EVENT.length + 20);
        assertThat(full.length).isGreaterThan(plain.length);
    }

    @Test
    void shouldKeepAViewStampLaterThanTheEventWhenEventTimeStepsBack() {
        HostTail.Before before = new HostTail.Before(Set.of(), 7, AT);
        HostTail.Entry back = new HostTail.Entry(9, 10, AT - 3_000, null, false, Set.of(), 9, AT + 250, true, EVENT);
        assertThat(HostTail.decode(HostTail.encode(back, before), before)).usingRecursiveComparison().isEqualTo(back);
    }

    @Test
    void shouldChainOnlyFromThePreviousSequenceAndParseItsKey() {
        byte[] e = HostTail.encode(new HostTail.Entry(41, 42, AT, null, false, Set.of(), 40, AT, true, EVENT),
                new HostTail.Before(Set.of(), 40, AT));
        assertThat(HostTail.chains(e, 41)).isTrue();
        assertThat(HostTail.chains(e, 40)).isFalse();
        assertThat(HostTail.chains(null, 41)).isFalse();
        String key = HostTail.key("rack#7", 12);
        assertThat(HostTail.hostOf(key)).isEqualTo("rack#7");
        assertThat(HostTail.slotOf(key)).isEqualTo(12);
        assertThat(HostTail.slotOf("gpu-server-0001")).as("a key of the per-host layout").isEqualTo(-1);
        assertThat(HostTail.slotOf("rack#a")).isEqualTo(-1);
    }
}
