package io.iommutracker.emulator.state;

import io.iommutracker.avro.IovaRange;
import java.util.List;

/** The DMA mappings last reported for one device, and the container / IOAS owner they belong to. */
public record DmaReport(String ownerId, List<IovaRange> mappings) {

    public DmaReport {
        mappings = List.copyOf(mappings);
    }
}
