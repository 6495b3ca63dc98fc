package io.iommutracker.streams.api;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiFunction;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;
import org.apache.kafka.streams.processor.StateStore;

/**
 * The store objects of this instance's running active tasks, per store and partition, so that a read does not ask
 * Kafka Streams for them each time. {@code KafkaStreams.store} builds the union of every task of every stream thread
 * under the state updater's lock on each call: on a cached per-host read it was a third of the request's CPU, and
 * its lock is shared with the thread restoring state.
 *
 * <p>A cached store is used only while all of these hold, else it is looked up again: the assignment generation is
 * the one it was found in ({@link MetadataGeneration}: a task moves, is recycled to a standby or is closed only on a
 * new assignment, which Kafka Streams publishes before its threads act on it); Kafka Streams is RUNNING; the store is
 * open; and it was found less than {@link #REVALIDATE_NANOS} ago. The last bound covers what changes without a new
 * assignment: an exactly-once task whose state was corrupted is closed (the store is then closed, which the check sees)
 * and reopened empty to restore; for at most that long a read may then see its restoring copy.
 */
final class ActiveStores {

    /** How long a lookup is trusted without asking Kafka Streams again. */
    static final long REVALIDATE_NANOS = 50_000_000L;

    private record Entry(Object generation, StateStore store, long foundAt) {
    }

    private final MetadataGeneration generation;
    private final BooleanSupplier running;
    private final BiFunction<String, Integer, StateStore> lookup;
    private final LongSupplier clock;
    private final Map<String, Map<Integer, Entry>> entries = new ConcurrentHashMap<>();

    /**
     * @param running whether Kafka Streams is RUNNING
     * @param lookup  the uncached lookup of the running active store of a partition; throws {@link LocalStores.NotHere}
     * @param clock   nanoTime
     */
    ActiveStores(MetadataGeneration generation, BooleanSupplier running, BiFunction<String, Integer, StateStore> lookup,
                 LongSupplier clock) {
        this.generation = generation;
        this.running = running;
        this.lookup = lookup;
        this.clock = clock;
    }

    /** The store object of the running active task of {@code partition}, as {@code lookup} would find it. */
    StateStore get(String storeName, int partition) {
        Object now = generation.current();
        if (now == null || !running.getAsBoolean()) {
            return lookup.apply(storeName, partition);
        }
        Map<Integer, Entry> byPartition = entries.computeIfAbsent(storeName, k -> new ConcurrentHashMap<>());
        Entry e = byPartition.get(partition);
        long t = clock.getAsLong();
        if (e != null && e.generation() == now && t - e.foundAt() < REVALIDATE_NANOS && e.store().isOpen()) {
            return e.store();
        }
        StateStore s = lookup.apply(storeName, partition);
        if (generation.current() == now) {
            byPartition.put(partition, new Entry(now, s, t));
        }
        return s;
    }
}
