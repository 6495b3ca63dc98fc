package io.iommutracker.streams.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Where the CPU of a benchmark phase went, per input event: the measured application's client threads, the other
 * threads of this JVM (the embedded broker, the driver's producer and reader), the JVM's own threads (garbage
 * collectors, JIT compilers: the process's CPU time less that of its Java threads), and the other processes on the
 * machine; with how busy the machine's cores were. On a machine the broker shares, a topology's rate is bounded
 * either by its stream thread (the machine has idle time) or by the sum (it has none): this says which, and so which
 * part a change should go after.
 *
 * @param clientMicros       CPU µs per event of the threads whose names carry the application id
 * @param otherThreadsMicros CPU µs per event of this JVM's other Java threads
 * @param jvmMicros          CPU µs per event of the JVM's own threads (GC, JIT, VM), NaN when unknown
 * @param outsideMicros      CPU µs per event of the rest of the machine, NaN without {@code /proc/stat}
 * @param busy               the machine's busy time as a share of all its cores, NaN without {@code /proc/stat}
 * @param cores              the cores {@code /proc/stat} counts over (the JVM's count without it)
 * @param topOthers          the other threads that spent most, by name pattern (digits as {@code #}), µs per event
 */
public record CpuSplit(double clientMicros, double otherThreadsMicros, double jvmMicros, double outsideMicros,
                       double busy, int cores, Map<String, Double> topOthers) {

    private static final Path PROC_STAT = Path.of("/proc/stat");

    /** One line, e.g. for the benchmark's summary. */
    public String describe() {
        StringBuilder s = new StringBuilder(String.format("client %.1f, other threads %.1f, JVM (GC, JIT) %.1f",
                clientMicros, otherThreadsMicros, jvmMicros));
        if (!Double.isNaN(outsideMicros)) {
            s.append(String.format(", other processes %.1f us; machine busy %.0f%% of %d cores", outsideMicros,
                    100 * busy, cores));
        } else {
            s.append(" us");
        }
        return s.toString();
    }

    /** The top other threads, for a log line. */
    public String describeOthers() {
        return topOthers.entrySet().stream().map(e -> String.format("%s %.1f", e.getKey(), e.getValue()))
                .collect(Collectors.joining(", "));
    }

    /** A start of measurement: {@link #stop} gives the split since. */
    public static Meter start(String appId) {
        return new Meter(appId);
    }

    /**
     * Counters at the start of a phase. {@link #sample} between start and stop keeps the time of threads that end
     * before the phase does (a producer closed when its load stops): the JVM forgets a dead thread's CPU time.
     */
    public static final class Meter {
        private final String appId;
        private final Map<Long, Long> threads;
        private final Map<Long, Long> latest = new HashMap<>();
        private final Map<Long, String> names = new HashMap<>();
        private final long process;
        private final long[] machine;

        private Meter(String appId) {
            this.appId = appId;
            this.threads = threadCpu();
            this.process = processCpuNanos();
            this.machine = machineJiffies(readProcStat());
        }

        /**
         * Records every live thread's CPU time so far, and the names of threads not seen before (by enumerating the
         * thread groups: no stack traces, no safepoint).
         */
        public void sample() {
            Map<Long, Long> now = threadCpu();
            latest.putAll(now);
            if (!names.keySet().containsAll(now.keySet())) {
                ThreadGroup root = Thread.currentThread().getThreadGroup();
                while (root.getParent() != null) {
                    root = root.getParent();
                }
                Thread[] all = new Thread[root.activeCount() + 32];
                int n = root.enumerate(all, true);
                for (int i = 0; i < n; i++) {
                    names.put(all[i].getId(), all[i].getName());
                }
            }
        }

        /** The split since {@link CpuSplit#start} over {@code events} input events. */
        public CpuSplit stop(long events) {
            sample();
            long processNow = processCpuNanos();
            long[] machineNow = machineJiffies(readProcStat());
            long client = 0;
            long others = 0;
            Map<String, Long> byName = new HashMap<>();
            for (Map.Entry<Long, Long> e : latest.entrySet()) {
                // a thread born during the phase spent all its time in it; one that died, up to its last sample
                long spent = e.getValue() - threads.getOrDefault(e.getKey(), 0L);
                String name = names.getOrDefault(e.getKey(), "?");
                if (name.contains(appId)) {
                    client += spent;
                } else {
                    others += spent;
                    byName.merge(name.replaceAll("[0-9a-f]{8}-[0-9a-f-]{27}", "ID").replaceAll("\\d+", "#"), spent,
                            Long::sum);
                }
            }
            double n = Math.max(1, events);
            double jvm = process < 0 || processNow < 0 ? Double.NaN
                    : Math.max(0, (processNow - process) - (client + others)) / 1e3 / n;
            double outside = Double.NaN;
            double busy = Double.NaN;
            int cores = Runtime.getRuntime().availableProcessors();
            if (machine != null && machineNow != null) {
                long total = machineNow[0] - machine[0];
                long busyJiffies = machineNow[1] - machine[1];
                // jiffies are 1/100 s on Linux (USER_HZ)
                double busyNanos = busyJiffies * 1e7;
                outside = process < 0 ? Double.NaN : Math.max(0, busyNanos - (processNow - process)) / 1e3 / n;
                busy = total == 0 ? Double.NaN : busyJiffies / (double) total;
                cores = machineNow[2] > 0 ? (int) machineNow[2] : cores;
            }
            Map<String, Double> top = byName.entrySet().stream()
                    .sorted(Map.Entry.<String, Long>comparingByValue(Comparator.reverseOrder())).limit(6)
                    .collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue() / 1e3 / n, (a, b) -> a,
                            java.util.LinkedHashMap::new));
            return new CpuSplit(client / 1e3 / n, others / 1e3 / n, jvm, outside, busy, cores, top);
        }
    }

    private static Map<Long, Long> threadCpu() {
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        Map<Long, Long> out = new HashMap<>();
        for (long id : mx.getAllThreadIds()) {
            long t = mx.getThreadCpuTime(id);
            if (t >= 0) {
                out.put(id, t);
            }
        }
        return out;
    }

    private static long processCpuNanos() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            return os.getProcessCpuTime();
        }
        return -1;
    }

    private static List<String> readProcStat() {
        try {
            return Files.readAllLines(PROC_STAT);
        } catch (IOException | UnsupportedOperationException e) {
            return null;
        }
    }

    /**
     * From {@code /proc/stat}'s lines: all jiffies, busy jiffies (all but idle and iowait) of the aggregate "cpu"
     * line, and the number of "cpuN" lines; null when there is no aggregate line.
     */
    static long[] machineJiffies(List<String> procStat) {
        if (procStat == null) {
            return null;
        }
        long[] out = null;
        long cores = 0;
        for (String line : procStat) {
            String[] f = line.trim().split("\\s+");
            if (f[0].equals("cpu") && f.length >= 5) {
                long total = 0;
                // user nice system idle iowait irq softirq steal (guest time is already inside user and nice)
                for (int i = 1; i < Math.min(f.length, 9); i++) {
                    total += Long.parseLong(f[i]);
                }
                long idle = Long.parseLong(f[4]) + (f.length > 5 ? Long.parseLong(f[5]) : 0);
                out = new long[] {total, total - idle, 0};
            } else if (f[0].matches("cpu\\d+")) {
                cores++;
            }
        }
        if (out != null) {
            out[2] = cores;
        }
        return out;
    }
}
