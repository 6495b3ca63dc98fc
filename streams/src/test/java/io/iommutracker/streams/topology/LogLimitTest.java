package io.iommutracker.streams.topology;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class LogLimitTest {

    @Test
    void shouldLetABurstThroughPerPeriodAndTellHowManyWereHeldBackWithTheNext() {
        LogLimit l = new LogLimit(3, Duration.ofSeconds(10));
        assertThat(l.admit(1_000)).isZero();
        assertThat(l.admit(1_001)).isZero();
        assertThat(l.admit(1_002)).isZero();
        for (int i = 0; i < 7; i++) {
            assertThat(l.admit(2_000 + i)).isEqualTo(-1);
        }
        // still inside the period: nothing to drain yet, and nothing let through
        assertThat(l.drain(10_999)).isZero();
        assertThat(l.admit(10_999)).isEqualTo(-1);
        // the next period lets a line through, carrying the 8 held back
        assertThat(l.admit(11_000)).isEqualTo(8);
        assertThat(l.admit(11_001)).isZero();
    }

    @Test
    void shouldDrainWhatWasHeldBackOnceItsPeriodIsOver() {
        LogLimit l = new LogLimit(1, Duration.ofMillis(500));
        assertThat(l.admit(0)).isZero();
        assertThat(l.admit(10)).isEqualTo(-1);
        assertThat(l.admit(20)).isEqualTo(-1);
        assertThat(l.drain(499)).isZero();
        assertThat(l.drain(500)).isEqualTo(2);
        // told once
        assertThat(l.drain(600)).isZero();
        assertThat(l.admit(700)).isZero();
    }

    @Test
    void shouldRefuseANonsensicalLimit() {
        assertThatThrownBy(() -> new LogLimit(0, Duration.ofSeconds(1))).hasMessageContaining("burst >= 1");
        assertThatThrownBy(() -> new LogLimit(1, Duration.ZERO)).hasMessageContaining("period >= 1 ms");
    }
}
