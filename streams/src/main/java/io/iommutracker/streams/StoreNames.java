package io.iommutracker.streams;

/**
 * CONTRACT between the topology and the query API: the names and types of the queryable state stores.
 * <ul>
 *   <li>{@link #HOST_VIEWS}: {@code KeyValueStore<String hostId, HostView>}, the latest view of each host;</li>
 *   <li>{@link #HOST_VIEW_HISTORY}: {@code VersionedKeyValueStore<String hostId, HostView>}, every view a host had,
 *       timestamped with the observedAt of the event that produced it, for as-of-time reads;</li>
 *   <li>{@link #ALERTS}: {@code KeyValueStore<String fingerprint, Alert>}, the latest lifecycle record of each alert
 *       (resolved ones are kept until compaction-like cleanup);</li>
 *   <li>{@link #HOST_STATE}: {@code KeyValueStore<String hostId, byte[]>}, the emulator's {@code HostState.toBytes()}
 *       plus sequencing metadata; internal to the topology.</li>
 * </ul>
 */
public final class StoreNames {

    private StoreNames() {
    }

    public static final String HOST_STATE = "host-state";
    public static final String HOST_VIEWS = "host-views";
    public static final String HOST_VIEW_HISTORY = "host-view-history";
    public static final String ALERTS = "alerts";
}
