package io.iommutracker.streams.api;

import java.util.Collection;
import java.util.Iterator;
import java.util.function.Supplier;
import org.apache.kafka.streams.StreamsMetadata;

/**
 * Which assignment Kafka Streams' metadata describes now, as a token that is the same object until the next
 * rebalance. Kafka Streams rebuilds its {@link StreamsMetadata} objects (new objects, even when equal) whenever an
 * assignment arrives, before the stream threads act on it (StreamsPartitionAssignor.onAssignment: metadata, then
 * TaskManager.handleAssignment); so the identity of those objects marks a generation. Reading it costs the brief
 * metadata monitor the supplier takes (which also makes the latest rebuild visible) and an identity comparison per
 * instance.
 */
final class MetadataGeneration {

    private final Supplier<Collection<StreamsMetadata>> instances;
    private volatile Object[] token = new Object[0];

    /** @param instances every instance's metadata as Kafka Streams holds it now ({@code metadataForAllStreamsClients}) */
    MetadataGeneration(Supplier<Collection<StreamsMetadata>> instances) {
        this.instances = instances;
    }

    /**
     * The token of the current generation; null when Kafka Streams has no metadata to give (not running, no
     * assignment yet) or its list changed under the read (a rebuild in progress). Compare tokens with {@code ==}.
     */
    Object current() {
        Object[] g = token;
        Object[] fresh;
        try {
            Collection<StreamsMetadata> list = instances.get();
            if (list.isEmpty()) {
                return null;
            }
            if (sameObjects(g, list)) {
                return g;
            }
            fresh = list.toArray();
        } catch (RuntimeException e) {
            return null;
        }
        token = fresh;
        return fresh;
    }

    private static boolean sameObjects(Object[] g, Collection<StreamsMetadata> list) {
        if (g.length != list.size()) {
            return false;
        }
        Iterator<StreamsMetadata> it = list.iterator();
        for (Object o : g) {
            if (o != it.next()) {
                return false;
            }
        }
        return true;
    }
}
