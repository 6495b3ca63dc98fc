package io.iommutracker.streams.api;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.LagInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns Kafka Streams' offset lags of local store copies into a time bound. Every second it reads
 * {@link KafkaStreams#allLocalStorePartitionLags()}; a copy seen with offset lag 0 at time t held everything the
 * changelog had at t, so at time now it can be at most {@code now - t} ms behind. A copy never seen caught up has no
 * bound and is never served stale.
 */
final class LagTracker implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(LagTracker.class);
    static final long UNBOUNDED = Long.MAX_VALUE;

    private final KafkaStreams streams;
    private final Map<String, Long> caughtUpAt = new ConcurrentHashMap<>();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "api-lag-tracker");
        t.setDaemon(true);
        return t;
    });

    LagTracker(KafkaStreams streams) {
        this.streams = streams;
        timer.scheduleWithFixedDelay(this::refresh, 0, 1, TimeUnit.SECONDS);
    }

    void refresh() {
        try {
            long now = System.currentTimeMillis();
            for (Map.Entry<String, Map<Integer, LagInfo>> store : streams.allLocalStorePartitionLags().entrySet()) {
                for (Map.Entry<Integer, LagInfo> p : store.getValue().entrySet()) {
                    if (p.getValue().offsetLag() == 0) {
                        caughtUpAt.put(key(store.getKey(), p.getKey()), now);
                    }
                }
            }
        } catch (RuntimeException e) {
            log.debug("store lags unavailable: {}", e.toString());
        }
    }

    /** Upper bound in ms on how far this instance's copy of the store partition lags its changelog. */
    long stalenessMs(String store, int partition) {
        Long t = caughtUpAt.get(key(store, partition));
        if (t == null) {
            refresh();
            t = caughtUpAt.get(key(store, partition));
        }
        return t == null ? UNBOUNDED : Math.max(0, System.currentTimeMillis() - t);
    }

    private static String key(String store, int partition) {
        return store + "/" + partition;
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
