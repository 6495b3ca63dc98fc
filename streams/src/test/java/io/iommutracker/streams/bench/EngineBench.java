package io.iommutracker.streams.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.iommutracker.avro.HostView;
import io.iommutracker.avro.PciEvent;
import io.iommutracker.emulator.EventRejectedException;
import io.iommutracker.streams.alerts.AlertRules;
import io.iommutracker.streams.alerts.Condition;
import io.iommutracker.streams.engine.EmulatorEngine;
import io.iommutracker.streams.engine.HostEngine;
import io.iommutracker.streams.sim.FleetSimulator;
import io.iommutracker.streams.topology.HostFacts;
import io.iommutracker.streams.topology.ViewDiff;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The engine's share of the tracker's per-event work, without Kafka: apply, view (when it may differ), diff and the
 * alert rules (when their inputs changed), the way HostProcessor calls them, over simulated fleet telemetry. On demand
 * only (not a *Test): {@code -Dtest=EngineBench -Dbench.events=N [-Dbench.rounds=R] [-Dbench.fold=F]}; profile it with
 * {@code JAVA_TOOL_OPTIONS=-XX:StartFlightRecording=filename=...}. The change and condition counts are checksums: an
 * optimisation that alters them altered an answer.
 */
class EngineBench {

    private static final Logger log = LoggerFactory.getLogger(EngineBench.class);
    /** Upper bounds of the host-size buckets the per-event cost is reported for (device count of the host's view). */
    private static final int[] SIZES = {8, 16, 32, 64, Integer.MAX_VALUE};

    @Test
    void shouldReportEngineEventsPerSecond() {
        int n = Integer.getInteger("bench.events", 20_000);
        int rounds = Integer.getInteger("bench.rounds", 3);
        // -Dbench.fold=N: each host evaluated on every N-th of its events (an evaluation window holding N)
        int fold = Integer.getInteger("bench.fold", 1);
        FleetSimulator sim = new FleetSimulator(FleetSimulator.Options.defaults().withHosts(200));
        List<PciEvent> events = new ArrayList<>();
        long t = 1_700_000_000_000L;
        while (events.size() < n) {
            FleetSimulator.SimRecord r = sim.next(t += 5);
            if (!r.garbage()) {
                events.add(r.event());
            }
        }
        for (int round = 0; round < rounds; round++) {
            Result r = run(events, fold);
            double secs = r.nanos / 1e9;
            log.info("engine round {}: {} events in {} s = {} events/s ({} changes, {} conditions)", round, events.size(),
                    String.format("%.2f", secs), String.format("%.0f", events.size() / secs), r.changes, r.conditions);
            System.out.printf("engine round %d (fold %d): %.0f events/s, %.0f events/cpu-s, %d B/event (%d changes, %d conditions)%n",
                    round, fold, events.size() / secs, events.size() / (r.cpuNanos / 1e9), r.allocated / events.size(),
                    r.changes, r.conditions);
            StringBuilder sizes = new StringBuilder("  per host size (devices: events, us/event):");
            for (int b = 0; b < SIZES.length; b++) {
                if (r.bucketEvents[b] > 0) {
                    sizes.append(String.format(" <=%s: %d, %.1f;", SIZES[b] == Integer.MAX_VALUE ? "inf" : SIZES[b],
                            r.bucketEvents[b], r.bucketNanos[b] / 1e3 / r.bucketEvents[b]));
                }
            }
            System.out.println(sizes);
            System.out.printf("  per phase (us/event): apply %.1f, view %.1f, diff %.1f, alert rules %.1f%n",
                    r.phaseNanos[0] / 1e3 / events.size(), r.phaseNanos[1] / 1e3 / events.size(),
                    r.phaseNanos[2] / 1e3 / events.size(), r.phaseNanos[3] / 1e3 / events.size());
            System.out.println("  per event kind (events, share of time, us/event: all, apply, view, diff, rules):");
            r.kinds.forEach((k, v) -> System.out.printf("    %-22s %6d %3.0f%% %6.1f %5.1f %5.1f %5.1f %5.1f%n", k, v[0],
                    100.0 * v[1] / r.nanos, v[1] / 1e3 / v[0], v[2] / 1e3 / v[0], v[3] / 1e3 / v[0], v[4] / 1e3 / v[0],
                    v[5] / 1e3 / v[0]));
            assertThat(r.changes).isPositive();
            assertThat(r.conditions).isPositive();
        }
    }

    private static final class Result {
        long nanos;
        /** This thread's CPU time: on a shared machine it says more than the wall clock. */
        long cpuNanos;
        long changes;
        long conditions;
        /** Bytes this thread allocated: steadier than time on a shared machine, and the broker shares the GC. */
        long allocated;
        final long[] bucketEvents = new long[SIZES.length];
        final long[] bucketNanos = new long[SIZES.length];
        /** Wall time in apply, view, diff (with sameContent) and the alert rules. */
        final long[] phaseNanos = new long[4];
        /**
         * Per payload kind (by its class name): events, wall nanoseconds, then the nanoseconds of each of the four
         * phases: which kinds the time goes to, and in which step.
         */
        final Map<String, long[]> kinds = new java.util.TreeMap<>();
    }

    /**
     * One host as the processor keeps it: engine state, last view, alert facts; with a fold, the facts of the last
     * evaluation, the events since it and whether one of them may have changed the view.
     */
    private record Host(HostEngine.Host state, HostView view, HostFacts facts, HostFacts evaluatedFacts, int pending,
                        boolean mayDiffer) {
    }

    private static Result run(List<PciEvent> events) {
        return run(events, 1);
    }

    /**
     * @param fold a host is evaluated (view, diff, rules) on every fold-th of its events, as an evaluation window that
     *             holds that many would; 1 = every event, as the processor without a window
     */
    private static Result run(List<PciEvent> events, int fold) {
        Map<String, Host> hosts = new HashMap<>();
        Result r = new Result();
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        com.sun.management.ThreadMXBean alloc = (com.sun.management.ThreadMXBean) threads;
        long bytes0 = alloc.getCurrentThreadAllocatedBytes();
        long cpu0 = threads.getCurrentThreadCpuTime();
        long t0 = System.nanoTime();
        long last = t0;
        long[] phasesBefore = new long[r.phaseNanos.length];
        for (PciEvent e : events) {
            System.arraycopy(r.phaseNanos, 0, phasesBefore, 0, phasesBefore.length);
            Host h = hosts.get(e.getHostId());
            HostEngine.Host before = h == null ? EmulatorEngine.INSTANCE.empty(e.getHostId()) : h.state();
            HostView old = h == null ? null : h.view();
            HostFacts facts = h == null ? HostFacts.NONE : h.facts();
            HostFacts evaluated = h == null ? HostFacts.NONE : h.evaluatedFacts();
            try {
                long p0 = System.nanoTime();
                HostEngine.Host next = before.apply(e);
                HostFacts nextFacts = facts.after(e);
                long p1 = System.nanoTime();
                r.phaseNanos[0] += p1 - p0;
                boolean mayDiffer = (h != null && h.mayDiffer()) || old == null || next.viewMayDiffer(before, e);
                int pending = (h == null ? 0 : h.pending()) + 1;
                if (old != null && pending < fold) {
                    hosts.put(e.getHostId(), new Host(next, old, nextFacts, evaluated, pending, mayDiffer));
                } else {
                    HostView view = old;
                    if (mayDiffer) {
                        HostView v = next.view();
                        long p2 = System.nanoTime();
                        r.phaseNanos[1] += p2 - p1;
                        if (old == null || !ViewDiff.sameContent(old, v)) {
                            r.changes += ViewDiff.diff(e.getHostId(), old, v, e.getSequence(), 0).size();
                            view = v;
                        }
                        r.phaseNanos[2] += System.nanoTime() - p2;
                    }
                    if (view != old || nextFacts != evaluated) {
                        long p3 = System.nanoTime();
                        List<Condition> c = AlertRules.evaluate(e.getHostId(), view, nextFacts, null, null);
                        r.conditions += c.size();
                        r.phaseNanos[3] += System.nanoTime() - p3;
                    }
                    hosts.put(e.getHostId(), new Host(next, view, nextFacts, nextFacts, 0, false));
                }
            } catch (EventRejectedException ex) {
                // rejected: the host keeps its state, as in the processor
            }
            long now = System.nanoTime();
            Host after = hosts.get(e.getHostId());
            int devices = after == null || after.view() == null ? 0 : after.view().getDeviceCount();
            int b = 0;
            while (devices > SIZES[b]) {
                b++;
            }
            r.bucketEvents[b]++;
            r.bucketNanos[b] += now - last;
            long[] kind = r.kinds.computeIfAbsent(e.getPayload().getClass().getSimpleName(), k -> new long[6]);
            kind[0]++;
            kind[1] += now - last;
            for (int p = 0; p < 4; p++) {
                kind[2 + p] += r.phaseNanos[p] - phasesBefore[p];
            }
            last = now;
        }
        r.nanos = System.nanoTime() - t0;
        r.cpuNanos = threads.getCurrentThreadCpuTime() - cpu0;
        r.allocated = alloc.getCurrentThreadAllocatedBytes() - bytes0;
        return r;
    }

}
