package io.iommutracker.streams.bench;

import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The JIT compilers' share of the machine, and a wait for their queue to drain.
 *
 * <p>The benchmark JVM holds the broker, the clients, Kafka Streams and the emulator: tens of thousands of methods
 * get compiled, and on a two-core machine the compiler threads took ~80% of a core through a whole 90-second run
 * (JFR: 21,229 compilations, 67 s of compile time), competing with the stream thread and the broker in every phase.
 * Between phases nothing else runs, so the compile queue drains there; measuring only after it has lets a phase show
 * what the topology costs, not what compiling the JVM costs. Each phase also reports the compile time spent during it.
 */
final class JitSettle {

    private static final Logger log = LoggerFactory.getLogger(JitSettle.class);
    private static final CompilationMXBean JIT = ManagementFactory.getCompilationMXBean();

    private JitSettle() {
    }

    /** Milliseconds the compiler threads have spent so far (summed over them), or -1 when the JVM does not tell. */
    static long compileMillis() {
        return JIT != null && JIT.isCompilationTimeMonitoringSupported() ? JIT.getTotalCompilationTime() : -1;
    }

    /** Compile time since {@code compileMillisBefore} as a share of one core over {@code wallNanos}; NaN if unknown. */
    static double share(long compileMillisBefore, long wallNanos) {
        long now = compileMillis();
        if (now < 0 || compileMillisBefore < 0 || wallNanos <= 0) {
            return Double.NaN;
        }
        return (now - compileMillisBefore) / (wallNanos / 1e6);
    }

    /**
     * Waits until the compilers spent less than {@code quietShare} of one core over a whole second, or {@code max}
     * has passed; logs what it waited for {@code before}.
     *
     * @return seconds waited
     */
    static double await(String before, Duration max, double quietShare) throws InterruptedException {
        long start = System.nanoTime();
        long deadline = start + max.toNanos();
        if (compileMillis() < 0) {
            return 0;
        }
        double last = Double.NaN;
        while (System.nanoTime() < deadline) {
            long c0 = compileMillis();
            long t0 = System.nanoTime();
            Thread.sleep(1000);
            last = share(c0, System.nanoTime() - t0);
            if (last < quietShare) {
                break;
            }
        }
        double waited = (System.nanoTime() - start) / 1e9;
        log.info("JIT before {}: waited {} s for the compile queue to drain; compilers' share of a core over the last"
                        + " second {}% (quiet below {}%, at most {} s)", before, String.format("%.1f", waited),
                String.format("%.0f", 100 * last), String.format("%.0f", 100 * quietShare), max.toSeconds());
        return waited;
    }

    /** {@link #await} with {@code -Dbench.jitSettleSeconds} (default 60; 0 skips) and {@code -Dbench.jitQuietShare} (0.05). */
    static double await(String before) throws InterruptedException {
        long max = Long.getLong("bench.jitSettleSeconds", 60);
        if (max <= 0) {
            return 0;
        }
        return await(before, Duration.ofSeconds(max), Double.parseDouble(System.getProperty("bench.jitQuietShare", "0.05")));
    }
}
