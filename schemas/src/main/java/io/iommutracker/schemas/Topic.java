package io.iommutracker.schemas;

import java.util.Map;
import org.apache.kafka.common.serialization.Serde;

/**
 * A topic with its key and value serdes, and the settings it is created with.
 *
 * @param config topic-level configs (cleanup.policy, retention.ms, ...)
 */
public record Topic<K, V>(String name, Serde<K> keySerde, Serde<V> valueSerde, int partitions, Map<String, String> config,
                          String description) {

    @Override
    public String toString() {
        return name;
    }
}
