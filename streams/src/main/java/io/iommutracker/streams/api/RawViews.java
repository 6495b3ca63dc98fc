package io.iommutracker.streams.api;

import io.iommutracker.streams.StoreNames;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.QueryableStoreType;
import org.apache.kafka.streams.state.ValueAndTimestamp;
import org.apache.kafka.streams.state.internals.StateStoreProvider;
import org.apache.kafka.streams.state.internals.WrappedStateStore;

/**
 * The stored bytes of a host's latest view in the ACTIVE local copy of its HOST_VIEWS partition, read without
 * decoding them: the validator of {@link RenderCache}. Interactive queries only hand out decoded values, so this
 * asks Kafka Streams for the partition's store object (a query type of our own makes the provider return the
 * metered store as is) and reads one layer below the metered one, where keys and values are bytes. The layers read
 * (record cache when enabled, change-logging, RocksDB) are the ones an interactive-query key lookup reads, so the
 * bytes are exactly the value such a lookup would decode. Only active tasks of RUNNING stream threads are searched
 * (no stale stores), as {@code requireActive()} does.
 */
final class RawViews {


    /** Returns the partition's store objects unwrapped; accepted only when the layer below is a bytes key-value store. */
    private static final QueryableStoreType<List<StateStore>> RAW = new QueryableStoreType<>() {
        @Override
        public boolean accepts(StateStore store) {
            return store instanceof WrappedStateStore<?, ?, ?> w && w.wrapped() instanceof KeyValueStore<?, ?>;
        }

        @Override
        @SuppressWarnings({"unchecked", "rawtypes"})
        public List<StateStore> create(StateStoreProvider provider, String storeName) {
            // the provider hands back the stores this type accepts, for the partition and staleness asked
            return (List<StateStore>) provider.stores(storeName, (QueryableStoreType) this);
        }
    };

    private final KafkaStreams streams;

    RawViews(KafkaStreams streams) {
        this.streams = streams;
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
        KeyValueStore<String, Object> store = (KeyValueStore<String, Object>) active(storeName, partition);
        try {
            Object v = store.get(key);
            return Optional.ofNullable((V) (v instanceof ValueAndTimestamp<?> vt ? vt.value() : v));
        } catch (InvalidStateStoreException e) {
            throw new LocalStores.NotHere("read of " + storeName + "/" + partition + ": " + e.getMessage());
        }
    }

    private StateStore active(String storeName, int partition) {
        List<StateStore> stores;
        try {
            stores = streams.store(StoreQueryParameters.fromNameAndType(storeName, RAW).withPartition(partition));
        } catch (InvalidStateStoreException e) {
            throw new LocalStores.NotHere("read of " + storeName + "/" + partition + ": " + e.getMessage());
        }
        if (stores.size() != 1 || !(stores.get(0) instanceof KeyValueStore<?, ?>)) {
            throw new LocalStores.NotHere(stores.size() + " active key-value copies of " + storeName + "/" + partition + " found");
        }
        return stores.get(0);
    }
}
