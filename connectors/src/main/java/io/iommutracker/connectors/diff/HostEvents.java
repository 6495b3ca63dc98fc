package io.iommutracker.connectors.diff;

import io.iommutracker.avro.PciEvent;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** Wraps payloads into PciEvents of one host with consecutive sequence numbers (the per-host gapless counter). */
public final class HostEvents {

    private HostEvents() {
    }

    /**
     * @param lastSequence the sequence of the host's last emitted event (0 before the first)
     */
    public static List<PciEvent> number(String hostId, String source, Instant observedAt, long lastSequence,
                                        List<Object> payloads) {
        List<PciEvent> out = new ArrayList<>(payloads.size());
        long seq = lastSequence;
        for (Object p : payloads) {
            out.add(PciEvent.newBuilder()
                    .setHostId(hostId)
                    .setSequence(++seq)
                    .setObservedAt(observedAt)
                    .setSource(source)
                    .setPayload(p)
                    .build());
        }
        return out;
    }
}
