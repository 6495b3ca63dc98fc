package io.iommutracker.streams.engine;

import io.iommutracker.avro.HostView;
import io.iommutracker.avro.PciEvent;
import io.iommutracker.emulator.EventRejectedException;

/**
 * What the topology needs from an emulated host. Production uses {@link EmulatorEngine} (the emulator's
 * {@code HostState}); the seam exists so the Kafka-facing behaviour (ordering, DLQ, exactly-once) can be tested
 * independently of the IOMMU rules.
 */
public interface HostEngine {

    Host empty(String hostId);

    Host fromBytes(byte[] bytes);

    /** One host's emulated state; immutable: {@link #apply} returns the next state. */
    interface Host {
        Host apply(PciEvent event) throws EventRejectedException;

        HostView view();

        /**
         * Whether this state (made by applying {@code event} to {@code before}) can have a view other than
         * {@code before}'s; false lets the topology skip building and diffing one. The safe answer is true.
         */
        default boolean viewMayDiffer(Host before, PciEvent event) {
            return true;
        }

        byte[] toBytes();
    }
}
