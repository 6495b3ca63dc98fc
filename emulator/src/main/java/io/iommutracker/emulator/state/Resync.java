package io.iommutracker.emulator.state;

import io.iommutracker.avro.HostDescribed;
import io.iommutracker.avro.PciDeviceInfo;
import io.iommutracker.emulator.acs.AcsPolicy;
import io.iommutracker.emulator.group.BootProbeOrder;
import io.iommutracker.emulator.group.KernelGroups;
import io.iommutracker.emulator.group.LiveClusters;
import io.iommutracker.emulator.group.ProbeOrder;
import io.iommutracker.emulator.model.Bdf;
import io.iommutracker.emulator.model.Device;
import io.iommutracker.emulator.model.Infos;
import io.iommutracker.emulator.model.LongTrie;
import io.iommutracker.emulator.model.Topology;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * A complete device list applied to a host, as a boot or as a resynchronisation.
 * <p>
 * The control words a capture reports are observations of the hardware now, after the kernel's enumeration-time
 * enabling and anything an administrator wrote since; the live view uses them as reported. The kernel view is what the
 * kernel decided when it probed each device:
 * <ul>
 * <li>A boot (a host's first capture, or new platform facts that re-enumerate) probes every device from scratch, each
 * with pci_enable_acs applied to its observed word (idempotent on ports nobody touched; a port changed between boot
 * and capture cannot be told apart, so the kernel's own enabling is taken, which is exact for every bit the kernel
 * forces and keeps the observation only for bits it leaves alone).</li>
 * <li>A resync after a telemetry gap is not a reboot: the kernel never re-probes a device it already holds. Functions
 * still present and unchanged (same ids, same place) keep their group and probe-time ACS; functions gone release
 * their groups first (so freed ids are the lowest free again); new functions, and those that changed identity or sit
 * below one that did, are probed as hot-adds in boot probe order: with their own enumeration-time ACS, against the
 * ACS the ports above them hold now (iommu-model.md scenario 25).</li>
 * </ul>
 */
final class Resync {

    private Resync() {
    }

    /**
     * A boot with the given devices. {@code predictLive}: the words are from before a reboot the event announced, so
     * the hardware now holds the new kernel's enabling of them, not the words themselves.
     */
    static HostModel boot(HostModel m, HostDescribed host, List<PciDeviceInfo> infos, LongTrie<DmaReport> dma, boolean predictLive) {
        HostModel base = m.with(host, Topology.empty(), KernelGroups.empty(), LiveClusters.empty(), dma);
        Topology now = enumerateAll(base, host, infos);
        if (predictLive) {
            for (Device d : now.all()) {
                now = now.with(EventApplier.atProbe(d, base));
            }
        }
        return probeNew(base, host, now, KernelGroups.empty(), Set.of(), dma);
    }

    /** A capture of a host whose kernel kept running: only what changed is released or probed. */
    static HostModel resync(HostModel m, HostDescribed host, List<PciDeviceInfo> infos, LongTrie<DmaReport> dma) {
        HostModel base = m.with(host, m.topo, m.kernel, m.clusters, dma);
        Topology now = enumerateAll(base, host, infos);
        Set<Bdf> kept = kept(m.topo, now);
        KernelGroups k = m.kernel;
        // iommu_release_device() for what left (or was replaced) during the gap, before anything new is probed.
        for (Bdf b : m.kernel.probedInOrder()) {
            if (!kept.contains(b)) {
                k = k.remove(b);
            }
        }
        return probeNew(base, host, now, k, kept, dma);
    }

    /**
     * Probes every eligible device not in {@code k} yet, in boot probe order. Devices not {@code kept} are probed
     * right after their enumeration, so with pci_enable_acs applied; kept ones (a fwspec device whose driver bound
     * during the gap) with the word they hold now.
     */
    private static HostModel probeNew(HostModel base, HostDescribed host, Topology now, KernelGroups k, Set<Bdf> kept,
                                      LongTrie<DmaReport> dma) {
        Topology atProbe = now;
        for (Device d : now.all()) {
            if (!kept.contains(d.bdf())) {
                atProbe = atProbe.with(EventApplier.atProbe(d, base));
            }
        }
        AcsPolicy policy = base.hostPolicy();
        for (Device d : BootProbeOrder.of(atProbe, host)) {
            if (Platforms.eligible(host, d) && k.groupOf(d.bdf()) < 0) {
                k = EventApplier.probe(atProbe, policy, k, d);
            }
        }
        return base.with(host, now, k, LiveClusters.compute(now, policy), dma);
    }

    /** The reported devices enumerated bridges first, so each sees its parent (quirks, assumed capabilities). */
    private static Topology enumerateAll(HostModel base, HostDescribed host, List<PciDeviceInfo> infos) {
        Topology raw = Topology.empty();
        for (PciDeviceInfo info : infos) {
            Bdf b = Bdf.parse(info.getBdf());
            raw = raw.with(new Device(b, Infos.edit(info, i -> i.setBdf(b.toString())), 0, null));
        }
        Topology t = Topology.empty();
        for (Device d : ProbeOrder.of(raw)) {
            t = t.with(d);
        }
        Topology done = t;
        for (Device d : ProbeOrder.of(t)) {
            Device parent = done.parent(d);
            done = done.with(EventApplier.enumerate(d.bdf(), d.info(), parent, done, base, host));
        }
        return done;
    }

    /**
     * The devices of {@code now} the kernel still holds from before: the same function at the same address below the
     * same bridge, with every bridge above it kept too (a replaced bridge's subtree was removed and scanned again).
     */
    private static Set<Bdf> kept(Topology before, Topology now) {
        Set<Bdf> kept = new HashSet<>();
        for (Device d : ProbeOrder.of(now)) {
            Device was = before.device(d.bdf());
            if (was == null || !sameFunction(was, d)) {
                continue;
            }
            Device parent = now.parent(d);
            Device parentWas = before.parent(was);
            Bdf p = parent == null ? null : parent.bdf();
            if (Objects.equals(p, parentWas == null ? null : parentWas.bdf()) && (p == null || kept.contains(p))) {
                kept.add(d.bdf());
            }
        }
        return kept;
    }

    /** Whether a capture shows the same function the kernel enumerated there, not a different card in the slot. */
    private static boolean sameFunction(Device was, Device now) {
        return was.vendor() == now.vendor() && was.deviceId() == now.deviceId() && was.classCode() == now.classCode()
                && was.pcieType() == now.pcieType() && was.isVirtfn() == now.isVirtfn() && was.isBridge() == now.isBridge()
                && was.hasAcsCap() == now.hasAcsCap();
    }
}
