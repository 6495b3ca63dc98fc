package io.iommutracker.streams.bench;

import io.iommutracker.avro.PciEvent;
import io.iommutracker.schemas.AvroSerde;
import io.iommutracker.schemas.Topics;
import io.iommutracker.streams.topology.DeadLetters;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;

/**
 * The benchmark's baseline: decode every telemetry event with the tracker's serdes and write it straight back out.
 * A record that does not decode goes to {@link #DEAD_LETTER} with its reason, as the tracker dead-letters it, and
 * nothing is logged for it: a per-record warning with a stack trace (Kafka Streams' {@code
 * LogAndContinueExceptionHandler}, used here until session 12) cost the baseline time the tracker does not spend,
 * and so understated its rate.
 */
public final class PassthroughTopology {

    public static final String OUTPUT = "bench.passthrough";
    public static final String DEAD_LETTER = "bench.passthrough.dlq";

    @SuppressWarnings("unchecked")
    private static final AvroSerde<PciEvent> EVENTS = (AvroSerde<PciEvent>) Topics.TELEMETRY.valueSerde();

    private PassthroughTopology() {
    }

    public static Topology buildTopology() {
        Topology t = new Topology();
        t.addSource("source", Serdes.ByteArray().deserializer(), Serdes.ByteArray().deserializer(),
                Topics.TELEMETRY.name());
        t.addProcessor("decode", Decode::new, "source");
        t.addSink("sink", OUTPUT, Serdes.String().serializer(), Topics.TELEMETRY.valueSerde().serializer(), "decode");
        t.addSink("dead-letter", DEAD_LETTER, Serdes.ByteArray().serializer(), Serdes.ByteArray().serializer(),
                "decode");
        return t;
    }

    /** Decodes a record into its event, forwarded to the sink (which encodes it again), or dead-letters it. */
    private static final class Decode implements Processor<byte[], byte[], Object, Object> {

        private ProcessorContext<Object, Object> context;

        @Override
        public void init(ProcessorContext<Object, Object> context) {
            this.context = context;
        }

        @Override
        public void process(Record<byte[], byte[]> record) {
            String reason;
            try {
                PciEvent event = EVENTS.decode(Topics.TELEMETRY.name(), record.value());
                if (event != null) {
                    String key = record.key() == null ? null : new String(record.key(), StandardCharsets.UTF_8);
                    context.forward(record.withKey((Object) key).withValue(event), "sink");
                    return;
                }
                reason = "null value";
            } catch (SerializationException e) {
                reason = e.getMessage();
            }
            Record<byte[], byte[]> dead = DeadLetters.of(record, context.recordMetadata(), DeadLetters.Stage.DECODE,
                    reason == null ? "undecodable" : reason);
            context.forward(dead.withKey((Object) dead.key()).withValue(dead.value()), "dead-letter");
        }
    }
}
