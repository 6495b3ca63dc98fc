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
    @SuppressWarnings("unchecked")
    Optional<byte[]> get(String host, int partition) {
        List<StateStore> stores;
        try {
            stores = streams.store(StoreQueryParameters.fromNameAndType(StoreNames.HOST_VIEWS, RAW).withPartition(partition));
        } catch (InvalidStateStoreException e) {
            throw new LocalStores.NotHere("raw read of " + StoreNames.HOST_VIEWS + "/" + partition + ": " + e.getMessage());
        }
        if (stores.size() != 1) {
            throw new LocalStores.NotHere(stores.size() + " active copies of " + StoreNames.HOST_VIEWS + "/" + partition + " found");
        }
        KeyValueStore<Bytes, byte[]> bytes = (KeyValueStore<Bytes, byte[]>) ((WrappedStateStore<?, ?, ?>) stores.get(0)).wrapped();
        try {
            // the store's key serde is the String serde: UTF-8, no prefix
            return Optional.ofNullable(bytes.get(Bytes.wrap(host.getBytes(StandardCharsets.UTF_8))));
        } catch (InvalidStateStoreException e) {
            throw new LocalStores.NotHere("raw read of " + StoreNames.HOST_VIEWS + "/" + partition + ": " + e.getMessage());
        }
    }
}
