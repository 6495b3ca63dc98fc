package io.iommutracker.streams.bench;

import io.iommutracker.schemas.Topics;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.Topology;

/** The benchmark's baseline: decode every telemetry event with the tracker's serdes and write it straight back out. */
public final class PassthroughTopology {

    public static final String OUTPUT = "bench.passthrough";

    private PassthroughTopology() {
    }

    public static Topology buildTopology() {
        Topology t = new Topology();
        t.addSource("source", Serdes.String().deserializer(), Topics.TELEMETRY.valueSerde().deserializer(), Topics.TELEMETRY.name());
        t.addSink("sink", OUTPUT, Serdes.String().serializer(), Topics.TELEMETRY.valueSerde().serializer(), "source");
        return t;
    }
}
