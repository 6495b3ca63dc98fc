package io.iommutracker.connectors.sink;

import java.time.Duration;

/** Exponential backoff: attempt n (1-based) waits initial * multiplier^(n-2), capped, before it runs; attempt 1 does not wait. */
public record Backoff(int maxAttempts, Duration initial, Duration max, double multiplier) {

    public Backoff {
        if (maxAttempts < 1 || multiplier < 1.0 || initial.isNegative() || max.compareTo(initial) < 0) {
            throw new IllegalArgumentException("bad backoff: " + maxAttempts + " attempts, " + initial + ".." + max
                    + " x" + multiplier);
        }
    }

    public Duration before(int attempt) {
        if (attempt <= 1) {
            return Duration.ZERO;
        }
        double ms = initial.toMillis() * Math.pow(multiplier, attempt - 2);
        return ms >= max.toMillis() ? max : Duration.ofMillis((long) ms);
    }
}
