package io.iommutracker.emulator;

import io.iommutracker.avro.HostView;
import io.iommutracker.avro.PciEvent;

/**
 * The emulated state of one host: its PCI topology, platform facts and the kernel-view
 * bookkeeping (probe order, group ids, probe-time ACS). Immutable: {@link #apply} returns a new state.
 *
 * <p>CONTRACT (shared by streams, connectors and the CLI); the implementation is filled in by the
 * emulator-core work.
 */
public final class HostState {

    private HostState() {
    }

    /** A host nothing is known about yet. */
    public static HostState empty(String hostId) {
        throw new UnsupportedOperationException("emulator core not implemented yet");
    }

    /** Applies one event; rejects what cannot apply with a typed reason. */
    public HostState apply(PciEvent event) throws EventRejectedException {
        throw new UnsupportedOperationException("emulator core not implemented yet");
    }

    /** Both views, reserved regions, verdicts, usable IOVA and hazards, under the host's rule set. */
    public HostView view() {
        return view(RuleSet.forHost(this));
    }

    public HostView view(RuleSet rules) {
        throw new UnsupportedOperationException("emulator core not implemented yet");
    }

    public String hostId() {
        throw new UnsupportedOperationException("emulator core not implemented yet");
    }

    /** Compact binary form for a state store; {@link #fromBytes} reads it back equal. */
    public byte[] toBytes() {
        throw new UnsupportedOperationException("emulator core not implemented yet");
    }

    public static HostState fromBytes(byte[] bytes) {
        throw new UnsupportedOperationException("emulator core not implemented yet");
    }
}
