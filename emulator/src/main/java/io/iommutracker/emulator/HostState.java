package io.iommutracker.emulator;

import io.iommutracker.avro.HostDescribed;
import io.iommutracker.avro.HostView;
import io.iommutracker.avro.PciDeviceInfo;
import io.iommutracker.avro.PciEvent;
import io.iommutracker.emulator.group.Probe;
import io.iommutracker.emulator.model.Bdf;
import io.iommutracker.emulator.model.Device;
import io.iommutracker.emulator.model.Infos;
import io.iommutracker.emulator.state.EventApplier;
import io.iommutracker.emulator.state.HostModel;
import io.iommutracker.emulator.state.StateCodec;
import io.iommutracker.emulator.view.HostViewBuilder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * The emulated state of one host: its PCI topology, platform facts and the kernel-view bookkeeping (probe order,
 * group ids, probe-time ACS). Immutable: {@link #apply} returns a new state that shares what did not change.
 * Two states are equal when their {@link #toBytes()} forms are.
 */
public final class HostState {

    private final HostModel model;

    private HostState(HostModel model) {
        this.model = model;
    }

    /** A host nothing is known about yet. */
    public static HostState empty(String hostId) {
        return new HostState(HostModel.empty(hostId));
    }

    /** Applies one event; rejects what cannot apply with a typed reason. */
    public HostState apply(PciEvent event) throws EventRejectedException {
        return new HostState(EventApplier.apply(model, event));
    }

    /** Both views, reserved regions, verdicts, usable IOVA and hazards, under the host's rule set. */
    public HostView view() {
        return view(RuleSet.forHost(this));
    }

    /** The view with the live groups computed under {@code rules}; the kernel view is always the host's own kernel. */
    public HostView view(RuleSet rules) {
        return HostViewBuilder.build(model, rules);
    }

    public String hostId() {
        return model.hostId();
    }

    /** The emulator's full model, for callers that need more than the accessors below. */
    public HostModel model() {
        return model;
    }

    public long lastSequence() {
        return model.lastSequence();
    }

    /** observedAt of the last applied event, epoch milliseconds (0 before any). */
    public long lastObservedAt() {
        return model.lastObservedAt();
    }

    /** A sequence gap was seen and no snapshot has resynchronised the host since. */
    public boolean degraded() {
        return model.degraded();
    }

    public boolean decommissioned() {
        return model.decommissioned();
    }

    public Optional<HostDescribed> platform() {
        return Optional.ofNullable(model.host()).map(h -> HostDescribed.newBuilder(h).build());
    }

    /** The rules the host's kernel runs (RuleSet.forHost). */
    public RuleSet hostRules() {
        return model.hostRules();
    }

    public int deviceCount() {
        return model.topology().size();
    }

    /** Every device as currently known (copies), in (domain, bus, devfn) order. */
    public List<PciDeviceInfo> devices() {
        List<PciDeviceInfo> out = new ArrayList<>();
        for (Device d : model.topology().all()) {
            out.add(Infos.deepCopy(d.info()));
        }
        return out;
    }

    public Optional<PciDeviceInfo> device(String bdf) {
        if (!Bdf.isValid(bdf)) {
            return Optional.empty();
        }
        Device d = model.topology().device(Bdf.parse(bdf));
        return d == null ? Optional.empty() : Optional.of(Infos.deepCopy(d.info()));
    }

    /** The kernel view: group id → device names in group list (probe) order, ids ascending. */
    public Map<Integer, List<String>> kernelGroups() {
        Map<Integer, List<String>> out = new LinkedHashMap<>();
        for (int id : model.kernelGroups().ids()) {
            out.put(id, model.kernelGroups().members(id).stream().map(Bdf::toString).toList());
        }
        return out;
    }

    /** The sysfs group number of a device, empty when it has none. */
    public OptionalInt kernelGroupOf(String bdf) {
        int g = Bdf.isValid(bdf) ? model.kernelGroups().groupOf(Bdf.parse(bdf)) : -1;
        return g < 0 ? OptionalInt.empty() : OptionalInt.of(g);
    }

    /** The ACS control word the device had when the IOMMU probed it; empty if unprobed or without ACS. */
    public OptionalInt probeTimeAcsCtrl(String bdf) {
        Probe p = Bdf.isValid(bdf) ? model.kernelGroups().probe(Bdf.parse(bdf)) : null;
        return p == null || p.acsCtrlAtProbe() < 0 ? OptionalInt.empty() : OptionalInt.of(p.acsCtrlAtProbe());
    }

    /** The live view under {@code rules}: groups of device names, each in probe order, ordered by first device. */
    public List<List<String>> liveGroups(RuleSet rules) {
        return HostViewBuilder.liveGroups(model, rules).stream()
                .map(g -> g.stream().map(d -> d.bdf().toString()).toList()).toList();
    }

    public List<List<String>> liveGroups() {
        return liveGroups(hostRules());
    }

    /** Compact binary form for a state store; {@link #fromBytes} reads it back equal. */
    public byte[] toBytes() {
        return StateCodec.encode(model);
    }

    public static HostState fromBytes(byte[] bytes) {
        return new HostState(StateCodec.decode(bytes));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof HostState other && Arrays.equals(toBytes(), other.toBytes());
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(toBytes());
    }

    @Override
    public String toString() {
        return "HostState[" + hostId() + ", seq=" + lastSequence() + ", devices=" + deviceCount()
                + ", kernelGroups=" + model.kernelGroups().groupCount() + "]";
    }
}
