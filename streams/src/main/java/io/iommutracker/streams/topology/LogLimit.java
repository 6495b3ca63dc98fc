package io.iommutracker.streams.topology;

import java.time.Duration;

/**
 * At most a burst of log lines per period of wall time; the lines held back are counted, and the count is told with
 * the next line let through or by {@link #drain}. For what can repeat at the input's rate: a producer sending garbage
 * must not turn the tracker's log into a copy of its dead-letter topic, which already holds every record and reason.
 * Not thread-safe (one per processor).
 */
final class LogLimit {

    private final int burst;
    private final long periodMillis;
    private long periodStart = Long.MIN_VALUE;
    private int used;
    private long held;

    LogLimit(int burst, Duration period) {
        if (burst < 1 || period.toMillis() < 1) {
            throw new IllegalArgumentException("a log limit needs a burst >= 1 and a period >= 1 ms: " + burst + ", " + period);
        }
        this.burst = burst;
        this.periodMillis = period.toMillis();
    }

    /**
     * Whether a line at {@code nowMillis} may be logged: -1 when not (it is counted), else how many lines were held
     * back since the last one let through (to be told with this one).
     */
    long admit(long nowMillis) {
        roll(nowMillis);
        if (used < burst) {
            used++;
            long h = held;
            held = 0;
            return h;
        }
        held++;
        return -1;
    }

    /**
     * The lines held back, once their period is over and none was let through since: to be told on their own (e.g.
     * by a punctuation), 0 otherwise. Resets the count.
     */
    long drain(long nowMillis) {
        if (held == 0 || nowMillis - periodStart < periodMillis) {
            return 0;
        }
        long h = held;
        held = 0;
        return h;
    }

    private void roll(long nowMillis) {
        if (periodStart == Long.MIN_VALUE || nowMillis - periodStart >= periodMillis) {
            periodStart = nowMillis;
            used = 0;
        }
    }
}
