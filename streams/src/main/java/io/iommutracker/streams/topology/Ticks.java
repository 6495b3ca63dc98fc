package io.iommutracker.streams.topology;

import io.iommutracker.avro.Heartbeat;
import io.iommutracker.avro.PciEvent;
import io.iommutracker.schemas.AvroSerde;
import io.iommutracker.schemas.Topics;
import io.iommutracker.streams.StoreNames;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.apache.kafka.common.errors.SerializationException;

/**
 * Evaluation ticks: records a task writes into its own partition of the telemetry topic when it has been idle with
 * evaluation windows open. Consuming one closes every open window, so where those windows ended is a position in the
 * input, the same for the task that wrote it, for a replay after a crash and for another application reading the topic.
 * Key {@link StoreNames#TICK_PREFIX} + partition; value a {@link PciEvent} of that id with a {@link Heartbeat}
 * payload, so that other readers of the topic can decode it.
 */
public final class Ticks {

    private static final AvroSerde<PciEvent> EVENTS = (AvroSerde<PciEvent>) Topics.TELEMETRY.valueSerde();
    private static final byte[] PREFIX = StoreNames.TICK_PREFIX.getBytes(StandardCharsets.UTF_8);
    /** Written as the tick's source. */
    static final String SOURCE = "iommu-tracker";

    private Ticks() {
    }

    /** The key of a tick for a partition. */
    static byte[] key(int partition) {
        return (StoreNames.TICK_PREFIX + partition).getBytes(StandardCharsets.UTF_8);
    }

    /** A tick's value, stamped with the writing task's stream time. */
    static byte[] value(int partition, long streamTime) {
        return EVENTS.encode(Topics.TELEMETRY.name(), new PciEvent(StoreNames.TICK_PREFIX + partition, 0L,
                Instant.ofEpochMilli(streamTime), SOURCE, new Heartbeat()));
    }

    /** Whether a record key has the tick prefix (a tick, or telemetry using an id reserved for them). */
    static boolean isTickKey(byte[] key) {
        if (key == null || key.length < PREFIX.length || key[0] != 0) {
            return false;
        }
        for (int i = 1; i < PREFIX.length; i++) {
            if (key[i] != PREFIX[i]) {
                return false;
            }
        }
        return true;
    }

    /**
     * Why a record with a tick key is not a well-formed tick, or null when it is one: its value must decode to an
     * event of the key's id with a heartbeat payload.
     */
    static String malformed(byte[] key, byte[] value) {
        String id = new String(key, StandardCharsets.UTF_8);
        try {
            PciEvent e = value == null ? null : EVENTS.decode(Topics.TELEMETRY.name(), value);
            if (e == null || !id.equals(e.getHostId()) || !(e.getPayload() instanceof Heartbeat)) {
                return "host ids beginning \"\\u0000evaluate:\" are reserved for the tracker's evaluation ticks, and "
                        + "this record is not one (a tick carries a heartbeat of its own id)";
            }
            return null;
        } catch (SerializationException ex) {
            return "host ids beginning \"\\u0000evaluate:\" are reserved for the tracker's evaluation ticks; this "
                    + "record's value does not decode: " + ex.getMessage();
        }
    }

    /** The partition a tick key names; 0 for a key that names none (any partition would do for it). */
    public static int partitionOf(byte[] key) {
        if (!isTickKey(key)) {
            return 0;
        }
        int p = 0;
        for (int i = PREFIX.length; i < key.length; i++) {
            int d = key[i] - '0';
            if (d < 0 || d > 9 || p > 100_000_000) {
                return 0;
            }
            p = p * 10 + d;
        }
        return p;
    }
}
