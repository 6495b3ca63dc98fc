package io.iommutracker.streams.topology;

import java.util.Map;
import java.util.function.Consumer;

/**
 * Where a task reads back telemetry it consumed before it started. A host's checkpoint records the input offset of
 * the last event folded into it; the events after it, up to the position the task committed, are in the input topic
 * itself, so nothing else has to keep them. {@link KafkaInputLog} reads them from the cluster; tests give a list.
 */
public interface InputLog {

    /** One input record as it was consumed. */
    record Entry(long offset, byte[] key, byte[] value, long timestamp) {
    }

    /**
     * Calls {@code sink} with every record of {@code topic}-{@code partition} from offset {@code from} (inclusive) up
     * to the task's committed position (exclusive), in offset order.
     *
     * @param appConfigs the Streams configuration of the application (bootstrap servers, security, application id)
     * @return what was read, for the log
     * @throws IllegalStateException when the records cannot be read within the log's time limit
     */
    Summary read(Map<String, Object> appConfigs, String topic, int partition, long from, Consumer<Entry> sink);

    /**
     * @param first     the first offset that still existed at or after the asked one (records before it are gone)
     * @param committed the committed position read up to, or -1 when the group has none for the partition
     * @param records   records read
     */
    record Summary(long first, long committed, long records) {
    }
}
