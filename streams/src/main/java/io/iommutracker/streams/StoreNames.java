package io.iommutracker.streams;

/**
 * CONTRACT between the topology and the query API: the names and types of the queryable state stores.
 * <ul>
 *   <li>{@link #HOST_VIEWS}: {@code KeyValueStore<String hostId, HostView>}, the latest view of each host, written
 *       at most about once per {@code TrackerConfig.viewResolution} (so up to that much behind the events);</li>
 *   <li>{@link #HOST_VIEW_HISTORY}: {@code WindowStore<String hostId, HostView>}, the views a host had, each a
 *       version at the observedAt of the event that produced it, for as-of-time reads through {@link ViewHistory}:
 *       one version per host per view resolution at most (the latest view at that moment), so as-of reads are exact
 *       to that resolution; a decommission is a {@link ViewHistory#GONE} version;</li>
 *   <li>{@link #ALERTS}: {@code KeyValueStore<String fingerprint, Alert>}, the latest lifecycle record of each alert
 *       (resolved ones are kept until compaction-like cleanup);</li>
 *   <li>{@link #HOST_STATE}: {@code KeyValueStore<String hostId, byte[]>}, the host's checkpoint
 *       ({@code HostRecord}: the emulator's {@code HostState.toBytes()} plus sequencing metadata), written together
 *       with its {@link #HOST_VIEWS} entry, so the two agree. The events since are read back from the input topic
 *       when a task starts (the checkpoint has the offset of the last one in it), so no store keeps them. Under the
 *       key {@link #PROGRESS_KEY}, which no host can have, the task's progress mark: the input offset up to which
 *       every event is in some checkpoint, where that read starts, and the task's stream time there (two big-endian
 *       longs); internal to the topology.</li>
 * </ul>
 */
public final class StoreNames {

    private StoreNames() {
    }

    public static final String HOST_STATE = "host-state";
    public static final String HOST_VIEWS = "host-views";
    /**
     * The key of the progress mark in {@link #HOST_STATE}. In the checkpoints' own store, so that its changelog
     * partition orders it after the checkpoints it vouches for (a record cache flushes a store's entries in the order
     * they were last written); a NUL-prefixed id, refused for telemetry.
     */
    public static final String PROGRESS_KEY = "\u0000input-progress";
    /**
     * The key prefix of an evaluation tick: a record an idle task writes into its own partition of the telemetry
     * topic, followed by the partition number (e.g. {@code "\u0000evaluate:3"}), so that the end of its open
     * evaluation windows is a position in the input, which a replay finds at the same place. NUL-prefixed, so no
     * host id; telemetry under such a key that is not a tick is dead-lettered.
     */
    public static final String TICK_PREFIX = "\u0000evaluate:";
    /**
     * Until session 9 a versioned store named "host-view-history"; the window store has its own name, so that its
     * changelog topic ({@code <application id>-host-view-versions-changelog}) never holds the other's records.
     */
    public static final String HOST_VIEW_HISTORY = "host-view-versions";
    public static final String ALERTS = "alerts";
}
