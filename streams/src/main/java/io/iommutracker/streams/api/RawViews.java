package io.iommutracker.streams.api;

import io.iommutracker.avro.HostView;
import io.iommutracker.streams.StoreNames;
import io.iommutracker.streams.ViewHistory;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Predicate;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.StreamsMetadata;
import org.apache.kafka.streams.TaskMetadata;
import org.apache.kafka.streams.ThreadMetadata;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.QueryableStoreType;
import org.apache.kafka.streams.state.ReadOnlyWindowStore;
import org.apache.kafka.streams.state.ValueAndTimestamp;
import org.apache.kafka.streams.state.VersionedRecord;
import org.apache.kafka.streams.state.WindowStore;
import org.apache.kafka.streams.state.internals.StateStoreProvider;
import org.apache.kafka.streams.state.internals.WrappedStateStore;

/**
 * The stored bytes of a host's latest view in the ACTIVE local copy of its HOST_VIEWS partition, read without
 * decoding them: the validator of {@link RenderCache}. Interactive queries only hand out decoded values, so this
 * asks Kafka Streams for the partition's store object (a query type of our own makes the provider return the
 * metered store as is) and reads one layer below the metered one, where keys and values are bytes. The layers read
 * (record cache when enabled, change-logging, RocksDB) are the ones an interactive-query key lookup reads, so the
 * bytes are exactly the value such a lookup would decode. Raw reads search only active tasks of RUNNING stream
 * threads (no stale stores), as {@code requireActive()} does.
 *
 * <p>The same store objects serve the decoded reads (key, as-of, scans, owner-unknown lookup), for the active copy
 * or any local copy. Reading through the store object takes only the store's own monitor, never the Position lock
 * an IQv2 query takes first (Position then store, while a put takes store then Position: KAFKA-19629).
 */
final class RawViews {


    /**
     * Returns the partition's store objects unwrapped; accepted only when the layer below is a bytes key-value store
     * or (the view history) a bytes window store.
     */
    private static final QueryableStoreType<List<StateStore>> RAW = new QueryableStoreType<>() {
        @Override
        public boolean accepts(StateStore store) {
            return store instanceof WrappedStateStore<?, ?, ?> w
                    && (w.wrapped() instanceof KeyValueStore<?, ?> || w.wrapped() instanceof WindowStore<?, ?>);
        }

        @Override
        @SuppressWarnings({"unchecked", "rawtypes"})
        public List<StateStore> create(StateStoreProvider provider, String storeName) {
            // the provider hands back the stores this type accepts, for the partition and staleness asked
            return (List<StateStore>) provider.stores(storeName, (QueryableStoreType) this);
        }
    };

    private final KafkaStreams streams;
    private final ActiveStores active;

    RawViews(KafkaStreams streams, MetadataGeneration generation) {
        this.streams = streams;
        this.active = new ActiveStores(generation, () -> streams.state() == KafkaStreams.State.RUNNING,
                (name, p) -> lookup(name, p, true), System::nanoTime);
    }

    /**
     * The raw value of {@code host} in the active copy of {@code partition}; empty when absent.
     *
     * @throws LocalStores.NotHere when the active copy of the partition is not on this instance or not running
     */
    Optional<byte[]> get(String host, int partition) {
        return raw(StoreNames.HOST_VIEWS, host, partition);
    }

    @SuppressWarnings("unchecked")
    Optional<byte[]> raw(String storeName, String key, int partition) {
        KeyValueStore<Bytes, byte[]> bytes = (KeyValueStore<Bytes, byte[]>) ((WrappedStateStore<?, ?, ?>) active(storeName, partition)).wrapped();
        try {
            // the store's key serde is the String serde: UTF-8, no prefix
            return Optional.ofNullable(bytes.get(Bytes.wrap(key.getBytes(StandardCharsets.UTF_8))));
        } catch (InvalidStateStoreException e) {
            throw new LocalStores.NotHere("read of " + storeName + "/" + partition + ": " + e.getMessage());
        }
    }

    /**
     * The decoded value of {@code key} in the active copy, read through the metered store's own get (its serdes).
     * Unlike an interactive query (IQv2) this takes no lock on the store's Position: in Kafka Streams 4.3 an IQv2
     * query locks Position then the RocksDB store while a put locks them the other way round, and the two can
     * deadlock the stream thread (KAFKA-19629).
     */
    @SuppressWarnings("unchecked")
    <V> Optional<V> value(String storeName, String key, int partition) {
        return value(storeName, key, partition, true);
    }

    /**
     * The decoded value of {@code key} in this instance's copy of {@code partition}: the active one when
     * {@code requireActive}, else any local copy (active, standby, restoring), as an IQv2 query without
     * {@code requireActive()} would read.
     */
    @SuppressWarnings("unchecked")
    <V> Optional<V> value(String storeName, String key, int partition, boolean requireActive) {
        KeyValueStore<String, Object> store = keyValue(storeName, partition, requireActive);
        try {
            Object v = store.get(key);
            return Optional.ofNullable((V) unwrap(v));
        } catch (InvalidStateStoreException e) {
            throw new LocalStores.NotHere("read of " + storeName + "/" + partition + ": " + e.getMessage());
        }
    }

    /**
     * The host's view at {@code asOf} in this instance's copy of {@code partition} (see {@link ViewHistory#asOf}),
     * read through the metered window store's own fetch, which takes no store monitor.
     */
    Optional<VersionedRecord<HostView>> asOf(String host, int partition, Instant asOf, boolean requireActive) {
        ReadOnlyWindowStore<String, HostView> history = history(partition, requireActive);
        try {
            return ViewHistory.asOf(history, host, asOf.toEpochMilli(),
                    () -> this.<HostView>value(StoreNames.HOST_VIEWS, host, partition, requireActive).orElse(null));
        } catch (InvalidStateStoreException e) {
            throw new LocalStores.NotHere("read of " + StoreNames.HOST_VIEW_HISTORY + "/" + partition + ": " + e.getMessage());
        }
    }

    /** Every version of the host's view valid within [from, to], oldest first (see {@link ViewHistory#versions}). */
    List<VersionedRecord<HostView>> versions(String host, int partition, Instant from, Instant to, boolean requireActive) {
        ReadOnlyWindowStore<String, HostView> history = history(partition, requireActive);
        try {
            return ViewHistory.versions(history, host, from.toEpochMilli(), to.toEpochMilli());
        } catch (InvalidStateStoreException e) {
            throw new LocalStores.NotHere("read of " + StoreNames.HOST_VIEW_HISTORY + "/" + partition + ": " + e.getMessage());
        }
    }

    @SuppressWarnings("unchecked")
    private ReadOnlyWindowStore<String, HostView> history(int partition, boolean requireActive) {
        StateStore s = local(StoreNames.HOST_VIEW_HISTORY, partition, requireActive);
        if (!(s instanceof ReadOnlyWindowStore<?, ?>)) {
            throw ApiException.notImplemented("store " + StoreNames.HOST_VIEW_HISTORY + " is not a window store");
        }
        return (ReadOnlyWindowStore<String, HostView>) s;
    }

    /** Whether this instance holds the copy of {@code partition} asked for (the running active one, or any). */
    boolean has(String storeName, int partition, boolean requireActive) {
        try {
            local(storeName, partition, requireActive);
            return true;
        } catch (LocalStores.NotHere e) {
            return false;
        }
    }

    /** The first local copy (any kind) holding {@code key}, with its partition and value. */
    <V> Optional<LocalStores.Read<V>> find(String storeName, String key) {
        requireQueryable(storeName);
        for (int p : partitions(storeName)) {
            try {
                Optional<V> v = value(storeName, key, p, false);
                if (v.isPresent()) {
                    return Optional.of(new LocalStores.Read<>(p, false, v.get()));
                }
            } catch (LocalStores.NotHere e) {
                // no copy of p here, or it closed meanwhile: as an IQv2 failure for p, skip it
            }
        }
        return Optional.empty();
    }

    /**
     * Per local partition (active copies when {@code requireActive}, else any local copy): up to {@code limit} entries
     * in key order from {@code from} (inclusive; null = first key), skipping {@code afterExclusive} and those
     * {@code keep} rejects. Partitions without such a copy here are left out, as failed IQv2 partitions were ignored.
     */
    @SuppressWarnings("unchecked")
    <T> Map<Integer, LocalStores.Partial<T>> scan(String storeName, String from, int limit, Predicate<Object> keep,
                                                  String afterExclusive, boolean requireActive) {
        requireQueryable(storeName);
        Map<Integer, LocalStores.Partial<T>> out = new TreeMap<>();
        for (int p : partitions(storeName)) {
            KeyValueStore<String, Object> store;
            try {
                store = keyValue(storeName, p, requireActive);
            } catch (LocalStores.NotHere e) {
                continue;
            }
            List<KeyValue<String, T>> items = new ArrayList<>();
            try (KeyValueIterator<String, Object> it = from == null ? store.all() : store.range(from, null)) {
                while (it.hasNext() && items.size() < limit) {
                    KeyValue<String, Object> kv = it.next();
                    Object v = unwrap(kv.value);
                    if (v == null || (afterExclusive != null && kv.key.equals(afterExclusive)) || !keep.test(v)) {
                        continue;
                    }
                    items.add(KeyValue.pair(kv.key, (T) v));
                }
            } catch (InvalidStateStoreException e) {
                out.put(p, new LocalStores.Partial<>(false, List.of(), "read of " + storeName + "/" + p + ": " + e.getMessage()));
                continue;
            }
            out.put(p, new LocalStores.Partial<>(true, items, null));
        }
        return out;
    }

    /** As an IQv2 query refuses: the instance must be running or rebalancing, and the store must exist. */
    private void requireQueryable(String storeName) {
        KafkaStreams.State state = streams.state();
        if (!state.isRunningOrRebalancing()) {
            throw ApiException.unavailable("store " + storeName + " is not queryable now: Kafka Streams is " + state);
        }
    }

    /**
     * Every partition number a local copy of the store could have: 0 up to the highest partition any task of this
     * instance, or any instance's copy of the store, names. Probing a partition that is not here costs one lookup.
     */
    private List<Integer> partitions(String storeName) {
        int max = -1;
        try {
            for (ThreadMetadata t : streams.metadataForLocalThreads()) {
                for (TaskMetadata task : t.activeTasks()) {
                    max = Math.max(max, task.taskId().partition());
                }
                for (TaskMetadata task : t.standbyTasks()) {
                    max = Math.max(max, task.taskId().partition());
                }
            }
            for (StreamsMetadata m : streams.streamsMetadataForStore(storeName)) {
                for (TopicPartition tp : m.topicPartitions()) {
                    max = Math.max(max, tp.partition());
                }
                for (TopicPartition tp : m.standbyTopicPartitions()) {
                    max = Math.max(max, tp.partition());
                }
            }
        } catch (RuntimeException e) {
            throw ApiException.unavailable("store " + storeName + " is not queryable now: " + e.getMessage());
        }
        List<Integer> out = new ArrayList<>();
        for (int p = 0; p <= max; p++) {
            out.add(p);
        }
        return out;
    }

    @SuppressWarnings("unchecked")
    private KeyValueStore<String, Object> keyValue(String storeName, int partition, boolean requireActive) {
        StateStore s = local(storeName, partition, requireActive);
        if (!(s instanceof KeyValueStore<?, ?>)) {
            throw new LocalStores.NotHere("the local copy of " + storeName + "/" + partition + " is not a key-value store");
        }
        return (KeyValueStore<String, Object>) s;
    }

    private StateStore active(String storeName, int partition) {
        StateStore s = local(storeName, partition, true);
        if (!(s instanceof KeyValueStore<?, ?>)) {
            throw new LocalStores.NotHere("the active copy of " + storeName + "/" + partition + " is not a key-value store");
        }
        return s;
    }

    /**
     * The metered store object of this instance's copy of {@code partition}: only an active task of a RUNNING stream
     * thread when {@code requireActive} (kept between reads by {@link ActiveStores}); else any copy of a live thread
     * (Kafka Streams' stale-store lookup).
     */
    private StateStore local(String storeName, int partition, boolean requireActive) {
        return requireActive ? active.get(storeName, partition) : lookup(storeName, partition, false);
    }

    /** As {@link #local}, asking Kafka Streams each time. */
    private StateStore lookup(String storeName, int partition, boolean requireActive) {
        StoreQueryParameters<List<StateStore>> params = StoreQueryParameters.fromNameAndType(storeName, RAW).withPartition(partition);
        List<StateStore> stores;
        try {
            stores = streams.store(requireActive ? params : params.enableStaleStores());
        } catch (InvalidStateStoreException | IllegalStateException e) {
            throw new LocalStores.NotHere("read of " + storeName + "/" + partition + ": " + e.getMessage());
        }
        if (stores.size() != 1) {
            throw new LocalStores.NotHere(stores.size() + (requireActive ? " active" : " local") + " copies of " + storeName + "/" + partition + " found");
        }
        return stores.get(0);
    }

    private static Object unwrap(Object v) {
        return v instanceof ValueAndTimestamp<?> vt ? vt.value() : v;
    }
}
