package io.iommutracker.streams.api;

import io.iommutracker.avro.Alert;
import io.iommutracker.avro.HostView;
import io.iommutracker.streams.StoreNames;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.errors.StreamsException;
import org.apache.kafka.streams.query.FailureReason;
import org.apache.kafka.streams.query.KeyQuery;
import org.apache.kafka.streams.query.MultiVersionedKeyQuery;
import org.apache.kafka.streams.query.Query;
import org.apache.kafka.streams.query.QueryResult;
import org.apache.kafka.streams.query.RangeQuery;
import org.apache.kafka.streams.query.StateQueryRequest;
import org.apache.kafka.streams.query.StateQueryResult;
import org.apache.kafka.streams.query.VersionedKeyQuery;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.ValueAndTimestamp;
import org.apache.kafka.streams.state.VersionedRecord;
import org.apache.kafka.streams.state.VersionedRecordIterator;

/**
 * Reads of this instance's own copies of the stores, per partition. Key reads of an active copy go through the
 * store object itself ({@link RawViews}: no Position lock, see KAFKA-19629); the rest are interactive queries v2. A read either requires
 * the active task, or accepts any local copy (standby or restoring); whether a stale copy is fresh enough is the
 * caller's decision ({@link LagTracker}). Store failures surface as {@link ApiException} 503, never as a 500.
 */
final class LocalStores {

    /** A value read from one partition, and whether the active task answered. */
    record Read<T>(int partition, boolean active, T value) {
    }

    private final KafkaStreams streams;
    private final RawViews raw;

    LocalStores(KafkaStreams streams) {
        this.streams = streams;
        this.raw = new RawViews(streams);
    }

    /** The stored bytes of the host's latest view in the active copy of {@code partition}, undecoded (see {@link RawViews}). */
    Optional<byte[]> rawHostView(String host, int partition) {
        return raw.get(host, partition);
    }

    /** The partition of this instance's copy holding {@code host}, searching every local copy (owner unknown). */
    Optional<Read<HostView>> findHostView(String host) {
        for (Map.Entry<Integer, QueryResult<Object>> e : query(StoreNames.HOST_VIEWS, KeyQuery.withKey(host), null, false).entrySet()) {
            if (e.getValue().isSuccess() && e.getValue().getResult() != null) {
                return Optional.of(new Read<>(e.getKey(), false, (HostView) unwrap(e.getValue().getResult())));
            }
        }
        return Optional.empty();
    }

    /** Whether the active task of {@code partition} is on this instance and running. */
    boolean isActive(String store, int partition) {
        QueryResult<Object> r = query(store, KeyQuery.withKey(""), partition, true).get(partition);
        return r != null && r.isSuccess();
    }

    /** Whether this instance holds any copy (active, standby, restoring) of {@code partition}. */
    boolean hasCopy(String store, int partition) {
        QueryResult<Object> r = query(store, KeyQuery.withKey(""), partition, false).get(partition);
        return r != null && r.isSuccess();
    }

    Optional<HostView> hostView(String host, int partition, boolean requireActive) {
        if (requireActive) {
            return raw.value(StoreNames.HOST_VIEWS, host, partition);
        }
        return Optional.ofNullable((HostView) unwrap(single(StoreNames.HOST_VIEWS, KeyQuery.withKey(host), partition, requireActive)));
    }

    Optional<VersionedRecord<HostView>> hostViewAsOf(String host, int partition, Instant asOf, boolean requireActive) {
        VersionedKeyQuery<String, HostView> q = VersionedKeyQuery.<String, HostView>withKey(host).asOf(asOf);
        return Optional.ofNullable(single(StoreNames.HOST_VIEW_HISTORY, q, partition, requireActive));
    }

    /** Every version of the host's view overlapping [from, to], oldest first. */
    List<VersionedRecord<HostView>> hostViewHistory(String host, int partition, Instant from, Instant to, boolean requireActive) {
        MultiVersionedKeyQuery<String, HostView> q = MultiVersionedKeyQuery.<String, HostView>withKey(host)
                .fromTime(from).toTime(to).withAscendingTimestamps();
        List<VersionedRecord<HostView>> out = new ArrayList<>();
        try (VersionedRecordIterator<HostView> it = single(StoreNames.HOST_VIEW_HISTORY, q, partition, requireActive)) {
            if (it != null) {
                it.forEachRemaining(out::add);
            }
        }
        return out;
    }

    Optional<byte[]> hostState(String host, int partition, boolean requireActive) {
        if (requireActive) {
            return raw.value(StoreNames.HOST_STATE, host, partition);
        }
        return Optional.ofNullable((byte[]) unwrap(single(StoreNames.HOST_STATE, KeyQuery.withKey(host), partition, requireActive)));
    }

    /** Per local partition: up to {@code limit} views with host id after {@code after}, in key order, that pass {@code keep}. */
    Map<Integer, Partial<HostView>> scanHosts(String after, int limit, Predicate<HostView> keep, boolean requireActive) {
        RangeQuery<String, Object> q = after == null ? RangeQuery.withNoBounds() : RangeQuery.withLowerBound(after);
        return scan(StoreNames.HOST_VIEWS, q, limit, v -> keep.test((HostView) v), after, requireActive);
    }

    Map<Integer, Partial<Alert>> scanAlerts(Predicate<Alert> keep, boolean requireActive) {
        return scan(StoreNames.ALERTS, RangeQuery.withNoBounds(), Integer.MAX_VALUE, v -> keep.test((Alert) v), null, requireActive);
    }

    /** What one partition answered to a scan; {@code failure} set when it could not. */
    record Partial<T>(boolean ok, List<KeyValue<String, T>> items, String failure) {
    }

    @SuppressWarnings("unchecked")
    private <T> Map<Integer, Partial<T>> scan(String store, RangeQuery<String, Object> q, int limit, Predicate<Object> keep,
                                              String afterExclusive, boolean requireActive) {
        Map<Integer, Partial<T>> out = new java.util.TreeMap<>();
        for (Map.Entry<Integer, QueryResult<Object>> e : query(store, (Query<Object>) (Query<?>) q, null, requireActive).entrySet()) {
            QueryResult<Object> r = e.getValue();
            if (!r.isSuccess()) {
                out.put(e.getKey(), new Partial<>(false, List.of(), r.getFailureReason() + ": " + r.getFailureMessage()));
                continue;
            }
            List<KeyValue<String, T>> items = new ArrayList<>();
            try (KeyValueIterator<String, Object> it = (KeyValueIterator<String, Object>) r.getResult()) {
                while (it.hasNext() && items.size() < limit) {
                    KeyValue<String, Object> kv = it.next();
                    Object v = unwrap(kv.value);
                    if (v == null || (afterExclusive != null && kv.key.equals(afterExclusive)) || !keep.test(v)) {
                        continue;
                    }
                    items.add(KeyValue.pair(kv.key, (T) v));
                }
            }
            out.put(e.getKey(), new Partial<>(true, items, null));
        }
        return out;
    }

    /** The result of a one-partition query; null when the key is absent. */
    @SuppressWarnings("unchecked")
    private <R> R single(String store, Query<R> q, int partition, boolean requireActive) {
        QueryResult<Object> r = query(store, (Query<Object>) q, partition, requireActive).get(partition);
        if (r == null) {
            throw ApiException.unavailable("partition " + partition + " of store " + store + " is not on this instance");
        }
        if (r.isFailure()) {
            if (r.getFailureReason() == FailureReason.NOT_ACTIVE || r.getFailureReason() == FailureReason.NOT_PRESENT
                    || r.getFailureReason() == FailureReason.NOT_UP_TO_BOUND) {
                throw new NotHere(r.getFailureReason() + ": " + r.getFailureMessage());
            }
            if (r.getFailureReason() == FailureReason.UNKNOWN_QUERY_TYPE || r.getFailureReason() == FailureReason.DOES_NOT_EXIST) {
                throw ApiException.notImplemented("store " + store + " cannot answer this query: " + r.getFailureMessage());
            }
            throw ApiException.unavailable("store " + store + " partition " + partition + ": " + r.getFailureReason() + " " + r.getFailureMessage());
        }
        return (R) r.getResult();
    }

    /** The partition's local copy cannot answer as asked (not active, not present): try elsewhere. */
    static final class NotHere extends RuntimeException {
        NotHere(String m) {
            super(m, null, false, false);
        }
    }

    private Map<Integer, QueryResult<Object>> query(String store, Query<Object> q, Integer partition, boolean requireActive) {
        StateQueryRequest<Object> req = StateQueryRequest.inStore(store).withQuery(q);
        req = partition == null ? req.withAllPartitions() : req.withPartitions(Set.of(partition));
        if (requireActive) {
            req = req.requireActive();
        }
        try {
            StateQueryResult<Object> res = streams.query(req);
            return res.getPartitionResults();
        } catch (InvalidStateStoreException e) {
            throw ApiException.unavailable("store " + store + " is not queryable now: " + e.getMessage());
        } catch (StreamsException e) {
            throw ApiException.unavailable("Kafka Streams cannot answer now: " + e.getMessage());
        }
    }

    private static Object unwrap(Object v) {
        return v instanceof ValueAndTimestamp<?> vt ? vt.value() : v;
    }
}
