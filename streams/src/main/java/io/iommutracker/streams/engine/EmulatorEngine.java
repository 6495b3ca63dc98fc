package io.iommutracker.streams.engine;

import io.iommutracker.avro.HostView;
import io.iommutracker.avro.PciEvent;
import io.iommutracker.emulator.EventRejectedException;
import io.iommutracker.emulator.HostState;
import io.iommutracker.emulator.view.HostViewBuilder;

/** The production engine: the emulator facade, under each host's own rule set. */
public enum EmulatorEngine implements HostEngine {
    INSTANCE;

    @Override
    public Host empty(String hostId) {
        return new Emulated(HostState.empty(hostId));
    }

    @Override
    public Host fromBytes(byte[] bytes) {
        return new Emulated(HostState.fromBytes(bytes));
    }

    private record Emulated(HostState state) implements Host {
        @Override
        public Host apply(PciEvent event) throws EventRejectedException {
            return new Emulated(state.apply(event));
        }

        @Override
        public boolean viewMayDiffer(Host before, PciEvent event) {
            return !(before instanceof Emulated b) || HostViewBuilder.mayDiffer(b.state().model(), event);
        }

        @Override
        public HostView view() {
            return state.view();
        }

        @Override
        public byte[] toBytes() {
            return state.toBytes();
        }
    }
}
