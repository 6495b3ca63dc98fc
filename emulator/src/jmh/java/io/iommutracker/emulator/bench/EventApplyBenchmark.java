package io.iommutracker.emulator.bench;

import io.iommutracker.avro.AcsControlChanged;
import io.iommutracker.avro.Bar;
import io.iommutracker.avro.BarProgrammed;
import io.iommutracker.avro.DeviceAdded;
import io.iommutracker.avro.DeviceRemoved;
import io.iommutracker.avro.HostView;
import io.iommutracker.avro.PciDeviceInfo;
import io.iommutracker.avro.PciEvent;
import io.iommutracker.emulator.EventRejectedException;
import io.iommutracker.emulator.HostState;
import io.iommutracker.emulator.view.HostViewBuilder;
import io.iommutracker.emulator.view.ViewMemo;
import io.iommutracker.emulator.synth.SyntheticHost;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Time to apply one event to a synthetic host (root ports → switches → 4-function endpoints) of 64, 512 and 4,096
 * devices. States are immutable, so every invocation applies the same event to the same prepared state.
 * Run: {@code java -jar emulator/target/benchmarks.jar -f 1 -wi 2 -i 3}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
// Avro 1.12 builds enum defaults through reflection and only trusts listed packages.
@Fork(value = 1, jvmArgsAppend = "-Dorg.apache.avro.SERIALIZABLE_PACKAGES=io.iommutracker")
public class EventApplyBenchmark {

    @Param({"64", "512", "4096"})
    public int devices;

    private HostState full;
    private HostState withoutLeaf;
    private PciEvent unplugLeaf;
    private PciEvent replugLeaf;
    private PciEvent acsAtRootPort;
    private PciEvent barMove;
    private ViewMemo fullMemo;
    private ViewMemo withoutLeafMemo;

    /** A memo whose last view is {@code s}'s, as the tracker's is after the previous event. */
    private static ViewMemo primed(HostState s) {
        ViewMemo m = new ViewMemo();
        HostViewBuilder.build(s.model(), s.hostRules(), m);
        return m;
    }

    @Setup
    public void setUp() throws EventRejectedException {
        HostState s = HostState.empty("bench");
        for (PciEvent e : SyntheticHost.events("bench", devices)) {
            s = s.apply(e);
        }
        full = s;
        fullMemo = primed(full);
        // A leaf in the middle of the host, below the middle root port.
        int rps = (int) Math.ceil(devices / (2.0 + SyntheticHost.DSPS * (1 + SyntheticHost.FUNCTIONS)));
        int rp = Math.max(0, rps / 2 - 1);
        int bus = 1 + (rp % 25) * (2 + SyntheticHost.DSPS);
        String dom = String.format("%04x", rp / 25);
        String leaf = String.format("%s:%02x:00.3", dom, bus + 2);
        long next = s.lastSequence() + 1;
        PciDeviceInfo info = s.device(leaf).orElseThrow(() -> new IllegalStateException("no " + leaf));
        unplugLeaf = SyntheticHost.event("bench", next, new DeviceRemoved(leaf));
        withoutLeaf = s.apply(unplugLeaf);
        withoutLeafMemo = primed(withoutLeaf);
        replugLeaf = SyntheticHost.event("bench", next + 1, new DeviceAdded(info));
        acsAtRootPort = SyntheticHost.event("bench", next, new AcsControlChanged(String.format("%s:00:%02x.0", dom, rp % 25 + 1), 0));
        Bar bar = info.getBars().get(0);
        barMove = SyntheticHost.event("bench", next, new BarProgrammed(leaf,
                Bar.newBuilder(bar).setBase(bar.getBase() + 0x80_0000L).build()));
    }

    @Benchmark
    public HostState hotUnplugLeaf() throws EventRejectedException {
        return full.apply(unplugLeaf);
    }

    @Benchmark
    public HostState hotplugLeaf() throws EventRejectedException {
        return withoutLeaf.apply(replugLeaf);
    }

    @Benchmark
    public HostState acsChangeAtRootPort() throws EventRejectedException {
        return full.apply(acsAtRootPort);
    }

    @Benchmark
    public HostState barMove() throws EventRejectedException {
        return full.apply(barMove);
    }

    // The same events followed by what the tracker does next: derive the new HostView (both views, regions, verdicts,
    // usable IOVA, hazards) incrementally from the view of the state before the event.

    @Benchmark
    public HostView hotUnplugLeafWithView() throws EventRejectedException {
        return viewAfter(full, fullMemo, unplugLeaf);
    }

    @Benchmark
    public HostView hotplugLeafWithView() throws EventRejectedException {
        return viewAfter(withoutLeaf, withoutLeafMemo, replugLeaf);
    }

    @Benchmark
    public HostView acsChangeAtRootPortWithView() throws EventRejectedException {
        return viewAfter(full, fullMemo, acsAtRootPort);
    }

    @Benchmark
    public HostView barMoveWithView() throws EventRejectedException {
        return viewAfter(full, fullMemo, barMove);
    }

    /** The reference the derivations above must equal, for scale: the whole view of the host built from scratch. */
    @Benchmark
    public HostView viewFromScratch() {
        return HostViewBuilder.build(full.model(), full.hostRules());
    }

    private static HostView viewAfter(HostState before, ViewMemo primed, PciEvent event) throws EventRejectedException {
        HostState next = before.apply(event);
        return HostViewBuilder.build(next.model(), next.hostRules(), primed.copy());
    }
}
