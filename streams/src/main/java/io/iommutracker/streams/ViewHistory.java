package io.iommutracker.streams;

import io.iommutracker.avro.HostView;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.ReadOnlyWindowStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;
import org.apache.kafka.streams.state.VersionedRecord;
import org.apache.kafka.streams.state.WindowStore;
import org.apache.kafka.streams.state.WindowStoreIterator;
import org.apache.kafka.streams.state.internals.RocksDbWindowBytesStoreSupplier;

/**
 * The view history ({@link StoreNames#HOST_VIEW_HISTORY}): every view a host had, as a RocksDB window store keyed by
 * host and the view's time (a one-millisecond window per version). Recording a version is one RocksDB put, whatever the
 * host's history holds; a versioned store, the first design, rewrote every version of the host within its segment
 * interval on each put (about 1 ms for a host with a version a second, see streams/README). Reads seek from the host
 * and a time. Expired versions go a segment at a time ({@code segment}, a RocksDB instance each).
 *
 * <p>A decommissioned host gets a {@link #GONE} version at its decommission time: reads at or after it find no view.
 * The latest view is also in {@link StoreNames#HOST_VIEWS}, which keeps it past the retention: an as-of read that finds
 * no version at or before its time (all expired) falls back to it when it is not newer than that time.
 */
public final class ViewHistory {

    /** The version that records a decommission; stored as zero bytes, decoded as this very object. */
    public static final HostView GONE = new HostView();

    private ViewHistory() {
    }

    /** The store, with {@code views} for the versions' bytes. */
    public static StoreBuilder<WindowStore<String, HostView>> storeBuilder(Duration retention, Duration segment,
                                                                            Serde<HostView> views) {
        // a version is a window of one millisecond starting at the view's time; duplicates replace each other
        return Stores.windowStoreBuilder(new RocksDbWindowBytesStoreSupplier(StoreNames.HOST_VIEW_HISTORY,
                        retention.toMillis(), segment.toMillis(), 1L, false,
                        RocksDbWindowBytesStoreSupplier.WindowStoreTypes.DEFAULT_WINDOW_STORE),
                Serdes.String(), serde(views));
    }

    /** {@code views} with {@link #GONE} as zero bytes. */
    public static Serde<HostView> serde(Serde<HostView> views) {
        Serializer<HostView> s = views.serializer();
        Deserializer<HostView> d = views.deserializer();
        return Serdes.serdeFrom(new Serializer<>() {
            @Override
            public byte[] serialize(String topic, HostView v) {
                return v == GONE ? new byte[0] : s.serialize(topic, v);
            }
        }, new Deserializer<>() {
            @Override
            public HostView deserialize(String topic, byte[] b) {
                return b == null ? null : b.length == 0 ? GONE : d.deserialize(topic, b);
            }
        });
    }

    /**
     * The host's view at {@code asOf} (the latest version at or before it) with its time and, when a later version
     * exists, when it stopped being valid; empty when there is none or the host was decommissioned then.
     *
     * @param latest the host's latest view, for a history whose versions at or before {@code asOf} have all expired
     */
    public static Optional<VersionedRecord<HostView>> asOf(ReadOnlyWindowStore<String, HostView> store, String host,
                                                           long asOf, Supplier<HostView> latest) {
        KeyValue<Long, HostView> at = latestAtOrBefore(store, host, asOf);
        if (at == null) {
            HostView v = latest.get();
            return v != null && v.getUpdatedAt().toEpochMilli() <= asOf
                    ? Optional.of(new VersionedRecord<>(v, v.getUpdatedAt().toEpochMilli())) : Optional.empty();
        }
        if (at.value == GONE) {
            return Optional.empty();
        }
        return Optional.of(version(at, firstAfter(store, host, asOf)));
    }

    /**
     * Every version valid at some time in [{@code from}, {@code to}], oldest first: the one valid at {@code from}
     * and those recorded after it up to {@code to}, each with the time the next version (or decommission) ended it.
     */
    public static List<VersionedRecord<HostView>> versions(ReadOnlyWindowStore<String, HostView> store, String host,
                                                           long from, long to) {
        List<KeyValue<Long, HostView>> found = new ArrayList<>();
        KeyValue<Long, HostView> first = latestAtOrBefore(store, host, from);
        if (first != null) {
            found.add(first);
        }
        if (to > from) {
            try (WindowStoreIterator<HostView> it = store.fetch(host, Instant.ofEpochMilli(from + 1), Instant.ofEpochMilli(to))) {
                it.forEachRemaining(found::add);
            }
        }
        KeyValue<Long, HostView> after = firstAfter(store, host, to);
        List<VersionedRecord<HostView>> out = new ArrayList<>();
        for (int i = 0; i < found.size(); i++) {
            KeyValue<Long, HostView> v = found.get(i);
            if (v.value != GONE) {
                out.add(version(v, i + 1 < found.size() ? found.get(i + 1) : after));
            }
        }
        return out;
    }

    private static VersionedRecord<HostView> version(KeyValue<Long, HostView> v, KeyValue<Long, HostView> next) {
        return next == null ? new VersionedRecord<>(v.value, v.key) : new VersionedRecord<>(v.value, v.key, next.key);
    }

    private static KeyValue<Long, HostView> latestAtOrBefore(ReadOnlyWindowStore<String, HostView> store, String host,
                                                             long time) {
        try (WindowStoreIterator<HostView> it = store.backwardFetch(host, Instant.EPOCH, Instant.ofEpochMilli(time))) {
            return it.hasNext() ? it.next() : null;
        }
    }

    private static KeyValue<Long, HostView> firstAfter(ReadOnlyWindowStore<String, HostView> store, String host,
                                                       long time) {
        if (time == Long.MAX_VALUE) {
            return null;
        }
        try (WindowStoreIterator<HostView> it = store.fetch(host, Instant.ofEpochMilli(time + 1), Instant.ofEpochMilli(Long.MAX_VALUE))) {
            return it.hasNext() ? it.next() : null;
        }
    }
}
