package io.iommutracker.streams.api;

import io.iommutracker.avro.Alert;
import io.iommutracker.avro.HostView;
import io.iommutracker.streams.StoreNames;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.VersionedRecord;

/**
 * Reads of this instance's own copies of the stores, per partition, through the store objects themselves
 * ({@link RawViews}: no Position lock, see KAFKA-19629; since session 9 the history too). A read either requires
 * the active task, or accepts any local copy (standby or restoring); whether a stale copy is fresh enough is the
 * caller's decision ({@link LagTracker}). Store failures surface as {@link ApiException} 503, never as a 500.
 */
final class LocalStores {

    /** A value read from one partition, and whether the active task answered. */
    record Read<T>(int partition, boolean active, T value) {
    }

    private final RawViews raw;
    private final MetadataGeneration generation;

    LocalStores(KafkaStreams streams) {
        // synchronized on Kafka Streams' metadata state: the read sees its latest rebuild
        this.generation = new MetadataGeneration(() -> streams.streamsMetadataForStore(StoreNames.HOST_VIEWS));
        this.raw = new RawViews(streams, generation);
    }

    /** The assignment generation the caches of the API are keyed by. */
    MetadataGeneration generation() {
        return generation;
    }

    /** The stored bytes of the host's latest view in the active copy of {@code partition}, undecoded (see {@link RawViews}). */
    Optional<byte[]> rawHostView(String host, int partition) {
        return raw.get(host, partition);
    }

    /** The partition of this instance's copy holding {@code host}, searching every local copy (owner unknown). */
    Optional<Read<HostView>> findHostView(String host) {
        return raw.find(StoreNames.HOST_VIEWS, host);
    }

    /** Whether the active task of {@code partition} is on this instance and running. */
    boolean isActive(String store, int partition) {
        return raw.has(store, partition, true);
    }

    /** Whether this instance holds any copy (active, standby, restoring) of {@code partition}. */
    boolean hasCopy(String store, int partition) {
        return raw.has(store, partition, false);
    }

    Optional<HostView> hostView(String host, int partition, boolean requireActive) {
        return raw.value(StoreNames.HOST_VIEWS, host, partition, requireActive);
    }

    Optional<VersionedRecord<HostView>> hostViewAsOf(String host, int partition, Instant asOf, boolean requireActive) {
        return raw.asOf(host, partition, asOf, requireActive);
    }

    /** Every version of the host's view valid within [from, to], oldest first. */
    List<VersionedRecord<HostView>> hostViewHistory(String host, int partition, Instant from, Instant to, boolean requireActive) {
        return raw.versions(host, partition, from, to, requireActive);
    }

    Optional<byte[]> hostState(String host, int partition, boolean requireActive) {
        if (StoreNames.PROGRESS_KEY.equals(host)) {
            return Optional.empty(); // the topology's own bookkeeping, not a host
        }
        return raw.value(StoreNames.HOST_STATE, host, partition, requireActive);
    }

    /** Per local partition: up to {@code limit} views with host id after {@code after}, in key order, that pass {@code keep}. */
    Map<Integer, Partial<HostView>> scanHosts(String after, int limit, Predicate<HostView> keep, boolean requireActive) {
        return raw.scan(StoreNames.HOST_VIEWS, after, limit, v -> keep.test((HostView) v), after, requireActive);
    }

    Map<Integer, Partial<Alert>> scanAlerts(Predicate<Alert> keep, boolean requireActive) {
        return raw.scan(StoreNames.ALERTS, null, Integer.MAX_VALUE, v -> keep.test((Alert) v), null, requireActive);
    }

    /** What one partition answered to a scan; {@code failure} set when it could not. */
    record Partial<T>(boolean ok, List<KeyValue<String, T>> items, String failure) {
    }

    /** The partition's local copy cannot answer as asked (not active, not present): try elsewhere. */
    static final class NotHere extends RuntimeException {
        NotHere(String m) {
            super(m, null, false, false);
        }
    }
}
