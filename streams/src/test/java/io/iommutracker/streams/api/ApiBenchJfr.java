package io.iommutracker.streams.api;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedThread;
import jdk.jfr.consumer.RecordingFile;

/**
 * Summarises a JFR recording of the tracker instance taken during an API bench run (a CLI: it prints): GC pauses
 * (count, total, longest, how many over 1 and 2 ms), ZGC allocation stalls, safepoint operations over 1 ms, and CPU
 * samples per thread kind,
 * which show what else competed with the request threads for the 2 cores.
 *
 * <p>Usage: {@code ApiBenchJfr recording.jfr [fromEpochMs toEpochMs]}: only events that started in that window.
 */
public final class ApiBenchJfr {

    private ApiBenchJfr() {
    }

    public static void main(String[] args) throws Exception {
        List<Duration> pauses = new ArrayList<>();
        // ZGC does not pause a thread that allocates faster than it collects: it stalls it, which is no GC pause
        List<Duration> stalls = new ArrayList<>();
        Map<String, long[]> vmOps = new TreeMap<>();
        Map<String, Integer> samples = new TreeMap<>();
        String gcName = "?";
        int totalSamples = 0;
        long from = args.length > 2 ? Long.parseLong(args[1]) : Long.MIN_VALUE;
        long to = args.length > 2 ? Long.parseLong(args[2]) : Long.MAX_VALUE;
        for (RecordedEvent e : RecordingFile.readAllEvents(Path.of(args[0]))) {
            long at = e.getStartTime().toEpochMilli();
            if (at < from || at > to) {
                continue;
            }
            switch (e.getEventType().getName()) {
                case "jdk.GCPhasePause" -> pauses.add(e.getDuration());
                case "jdk.GarbageCollection" -> gcName = e.getString("name");
                case "jdk.ZAllocationStall" -> stalls.add(e.getDuration());
                case "jdk.ExecuteVMOperation" -> {
                    if (e.getBoolean("safepoint") && e.getDuration().toNanos() > 1_000_000L) {
                        long[] a = vmOps.computeIfAbsent(e.getString("operation"), k -> new long[2]);
                        a[0]++;
                        a[1] = Math.max(a[1], e.getDuration().toNanos());
                    }
                }
                case "jdk.ExecutionSample" -> {
                    RecordedThread t = e.getThread("sampledThread");
                    samples.merge(kind(t == null ? "?" : t.getJavaName()), 1, Integer::sum);
                    totalSamples++;
                }
                default -> {
                }
            }
        }
        long total = pauses.stream().mapToLong(Duration::toNanos).sum();
        long max = pauses.stream().mapToLong(Duration::toNanos).max().orElse(0);
        System.out.printf("API JVM GC (%s) during the run: %d pauses, total %.1f ms, longest %.2f ms, over 1 ms: %d, over 2 ms: %d%n",
                gcName, pauses.size(), total / 1e6, max / 1e6, pauses.stream().filter(d -> d.toNanos() > 1_000_000L).count(),
                pauses.stream().filter(d -> d.toNanos() > 2_000_000L).count());
        if (!stalls.isEmpty()) {
            System.out.printf("API JVM ZGC allocation stalls: %d, longest %.2f ms%n", stalls.size(),
                    stalls.stream().mapToLong(Duration::toNanos).max().orElse(0) / 1e6);
        }
        vmOps.forEach((op, a) -> System.out.printf("API JVM safepoint %s over 1 ms: %d, longest %.2f ms%n", op, a[0], a[1] / 1e6));
        if (totalSamples > 0) {
            StringBuilder sb = new StringBuilder("API JVM CPU samples by thread:");
            int n = totalSamples;
            samples.entrySet().stream().sorted((a, b) -> b.getValue() - a.getValue())
                    .forEach(s -> sb.append(String.format(" %s %.0f%%", s.getKey(), 100.0 * s.getValue() / n)));
            System.out.println(sb);
        }
    }

    /** Thread names without their numbers: api-http-3 and api-http-1 are one kind. */
    private static String kind(String name) {
        return name == null ? "?" : name.replaceAll("[-_ ]?\\d+", "").replaceAll("[0-9a-f]{8}-[0-9a-f-]{27}", "");
    }
}
