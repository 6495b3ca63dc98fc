package io.iommutracker.streams.engine;

import io.iommutracker.avro.HostView;
import io.iommutracker.avro.PciEvent;
import io.iommutracker.emulator.EventRejectedException;
import io.iommutracker.emulator.HostState;
import io.iommutracker.emulator.RuleSet;
import io.iommutracker.emulator.view.HostViewBuilder;
import io.iommutracker.emulator.view.ViewMemo;

/** The production engine: the emulator facade, under each host's own rule set. */
public enum EmulatorEngine implements HostEngine {
    INSTANCE;

    @Override
    public Host empty(String hostId) {
        return new Emulated(HostState.empty(hostId), new ViewMemo());
    }

    @Override
    public Host fromBytes(byte[] bytes) {
        return new Emulated(HostState.fromBytes(bytes), new ViewMemo());
    }

    /**
     * One host's state and the pieces of its last view: every state made from this one shares the memo, so building
     * the next view recomputes only the groups and devices the event touched (the memo's keys are the identities of
     * the immutable inputs, so a state that is not the latest still gets a correct, if uncached, view).
     */
    private record Emulated(HostState state, ViewMemo memo) implements Host {
        @Override
        public Host apply(PciEvent event) throws EventRejectedException {
            return new Emulated(state.apply(event), memo);
        }

        @Override
        public boolean viewMayDiffer(Host before, PciEvent event) {
            return !(before instanceof Emulated b) || HostViewBuilder.mayDiffer(b.state().model(), event);
        }

        @Override
        public HostView view() {
            return HostViewBuilder.build(state.model(), RuleSet.forHost(state), memo);
        }

        @Override
        public byte[] toBytes() {
            return state.toBytes();
        }
    }
}
