package io.iommutracker.emulator.state;

import io.iommutracker.avro.HostDescribed;
import io.iommutracker.emulator.RuleSet;
import io.iommutracker.emulator.acs.AcsPolicy;
import io.iommutracker.emulator.cmdline.KernelCommandLine;
import io.iommutracker.emulator.group.KernelGroups;
import io.iommutracker.emulator.group.LiveClusters;
import io.iommutracker.emulator.model.Device;
import io.iommutracker.emulator.model.LongTrie;
import io.iommutracker.emulator.model.Topology;

/**
 * Everything the emulator knows about one host, immutable: topology, platform facts, the kernel view's probe
 * bookkeeping, the live view's per-bus cache and the reported DMA mappings. {@link EventApplier} makes new versions.
 */
public final class HostModel {

    final String hostId;
    final long lastSequence;
    final long lastObservedAt;
    final boolean degraded;
    final boolean decommissioned;
    final HostDescribed host;
    final KernelCommandLine cmdline;
    final Topology topo;
    final KernelGroups kernel;
    final LiveClusters clusters;
    final LongTrie<DmaReport> dma;
    /** The encoded HostDescribed, shared by every version with the same description (see StateCodec). */
    final Memo hostBytes;

    /** A lazily filled slot for a derived byte form. */
    static final class Memo {
        volatile byte[] bytes;
    }

    HostModel(String hostId, long lastSequence, long lastObservedAt, boolean degraded, boolean decommissioned,
              HostDescribed host, Topology topo, KernelGroups kernel, LiveClusters clusters, LongTrie<DmaReport> dma) {
        this(hostId, lastSequence, lastObservedAt, degraded, decommissioned, host,
                KernelCommandLine.parse(host == null ? "" : host.getCommandLine()), topo, kernel, clusters, dma, new Memo());
    }

    private HostModel(String hostId, long lastSequence, long lastObservedAt, boolean degraded, boolean decommissioned,
                      HostDescribed host, KernelCommandLine cmdline, Topology topo, KernelGroups kernel,
                      LiveClusters clusters, LongTrie<DmaReport> dma, Memo hostBytes) {
        this.hostId = hostId;
        this.lastSequence = lastSequence;
        this.lastObservedAt = lastObservedAt;
        this.degraded = degraded;
        this.decommissioned = decommissioned;
        this.host = host;
        this.cmdline = cmdline;
        this.topo = topo;
        this.kernel = kernel;
        this.clusters = clusters;
        this.dma = dma;
        this.hostBytes = hostBytes;
    }

    public static HostModel empty(String hostId) {
        return new HostModel(hostId, 0, 0, false, false, null, Topology.empty(), KernelGroups.empty(), LiveClusters.empty(),
                LongTrie.empty());
    }

    HostModel with(HostDescribed h, Topology t, KernelGroups k, LiveClusters c, LongTrie<DmaReport> d) {
        // The command line is parsed once per HostDescribed, not once per event.
        KernelCommandLine cl = h == host ? cmdline : KernelCommandLine.parse(h == null ? "" : h.getCommandLine());
        return new HostModel(hostId, lastSequence, lastObservedAt, degraded, decommissioned, h, cl, t, k, c, d,
                h == host ? hostBytes : new Memo());
    }

    HostModel stamped(long sequence, long observedAt, boolean deg, boolean decom) {
        return new HostModel(hostId, sequence, observedAt, deg, decom, host, cmdline, topo, kernel, clusters, dma, hostBytes);
    }

    public String hostId() {
        return hostId;
    }

    public long lastSequence() {
        return lastSequence;
    }

    public long lastObservedAt() {
        return lastObservedAt;
    }

    public boolean degraded() {
        return degraded;
    }

    public boolean decommissioned() {
        return decommissioned;
    }

    /** The platform description, or null before any HostDescribed / snapshot carried one. */
    public HostDescribed host() {
        return host;
    }

    public KernelCommandLine commandLine() {
        return cmdline;
    }

    public Topology topology() {
        return topo;
    }

    public KernelGroups kernelGroups() {
        return kernel;
    }

    public LiveClusters liveClusters() {
        return clusters;
    }

    public DmaReport dma(Device d) {
        return dma.get(d.key());
    }

    public LongTrie<DmaReport> dmaReports() {
        return dma;
    }

    /** RuleSet.forHost: the override quirk exactly when the command line asks for it. */
    public RuleSet hostRules() {
        return cmdline.acsOverride().isPresent() ? RuleSet.ACS_OVERRIDE : RuleSet.MAINLINE;
    }

    public AcsPolicy policy(RuleSet rules) {
        return AcsPolicy.of(host, cmdline, rules);
    }

    public AcsPolicy hostPolicy() {
        return policy(hostRules());
    }
}
