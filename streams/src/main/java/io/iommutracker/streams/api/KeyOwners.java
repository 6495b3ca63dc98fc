package io.iommutracker.streams.api;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.apache.kafka.streams.KeyQueryMetadata;

/**
 * Key metadata (partition, active and standby instances) of hosts, kept until the next rebalance. Kafka Streams
 * answers {@code queryMetadataForKey} under the monitor of its metadata state, serialising and hashing the key each
 * time; the answer changes only when that state is rebuilt ({@link MetadataGeneration}). An entry is served while
 * the generation it was looked up in is current, so it is exactly what a fresh call would return. Not-available
 * answers (no metadata yet, rebalancing) are never kept.
 */
final class KeyOwners {

    /** A cached answer and the generation it belongs to. */
    private record Entry(Object generation, KeyQueryMetadata meta) {
    }

    private static final int MAX_ENTRIES = 200_000;

    private final MetadataGeneration generation;
    private final Function<String, KeyQueryMetadata> lookup;
    private final Map<String, Entry> entries = new ConcurrentHashMap<>();

    /** @param lookup the uncached key lookup ({@code queryMetadataForKey} of the store) */
    KeyOwners(MetadataGeneration generation, Function<String, KeyQueryMetadata> lookup) {
        this.generation = generation;
        this.lookup = lookup;
    }

    /** The key metadata of {@code host}, as {@code lookup} would answer it now. */
    KeyQueryMetadata of(String host) {
        Object now = generation.current();
        if (now == null) {
            return lookup.apply(host);
        }
        Entry e = entries.get(host);
        if (e != null && e.generation() == now) {
            return e.meta();
        }
        KeyQueryMetadata meta = lookup.apply(host);
        // the lookup belongs to the generation read before it only if no rebalance happened in between
        if (meta != null && meta != KeyQueryMetadata.NOT_AVAILABLE && meta.activeHost() != null && generation.current() == now) {
            if (entries.size() >= MAX_ENTRIES) {
                entries.clear();
            }
            entries.put(host, new Entry(now, meta));
        }
        return meta;
    }
}
