package io.iommutracker.streams.api;

import io.iommutracker.streams.StoreNames;
import java.io.IOException;
import java.util.Optional;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyQueryMetadata;
import org.apache.kafka.streams.state.HostInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends a per-host read to where the host's state lives. The owner (active task) answers when it can: locally, or
 * through one forward to it. When the owner is unreachable or moving (rebalance, restart), a copy that is at most
 * the caller's maxLagMs stale may answer instead: this instance's own standby copy first, then the standbys Kafka
 * Streams names. Otherwise the answer is 503 with Retry-After. Every answer says who served it and how stale it may be.
 */
final class HostRouter {

    /** Reads one host from a partition of this instance's stores. */
    @FunctionalInterface
    interface LocalRead {
        Response read(HostReader reader) throws Exception;
    }

    private static final Logger log = LoggerFactory.getLogger(HostRouter.class);
    private static final Serializer<String> KEYS = Serdes.String().serializer();

    private final KafkaStreams streams;
    private final LocalStores stores;
    private final LagTracker lags;
    private final Forwarder forwarder;
    private final HostInfo self;
    private final long defaultMaxLagMs;
    private final KeyOwners owners;

    HostRouter(KafkaStreams streams, LocalStores stores, LagTracker lags, Forwarder forwarder, HostInfo self, long defaultMaxLagMs) {
        this.streams = streams;
        this.stores = stores;
        this.lags = lags;
        this.forwarder = forwarder;
        this.self = self;
        this.defaultMaxLagMs = defaultMaxLagMs;
        this.owners = new KeyOwners(stores.generation(), this::lookup);
    }

    Response route(Request req, String host, LocalRead read) throws Exception {
        boolean forwarded = req.header(Headers.FORWARDED).isPresent();
        long maxLag = req.maxLagMs(defaultMaxLagMs);
        KeyQueryMetadata meta = metadata(host);
        boolean known = meta != null && meta != KeyQueryMetadata.NOT_AVAILABLE && meta.activeHost() != null;
        String why;
        if (known && self.equals(meta.activeHost())) {
            try {
                return serve(read, host, meta.partition(), true, 0, maxLag);
            } catch (LocalStores.NotHere e) {
                why = "the active copy on this instance is not ready (" + e.getMessage() + ")";
            }
        } else if (known && !forwarded) {
            try {
                return forwarder.forward(meta.activeHost(), req, maxLag);
            } catch (IOException e) {
                why = "owner " + meta.activeHost().host() + ":" + meta.activeHost().port() + " unreachable (" + e.getMessage() + ")";
                log.debug("host {}: {}", host, why);
            }
        } else {
            why = known ? "this instance does not own the host" : "no instance owns the host right now (rebalancing)";
        }
        if (maxLag < 0) {
            throw ApiException.unavailable(why + "; pass maxLagMs to accept an answer from a standby copy");
        }
        Optional<Integer> partition = known ? Optional.of(meta.partition())
                : stores.findHostView(host).map(LocalStores.Read::partition);
        if (partition.isPresent() && stores.hasCopy(StoreNames.HOST_VIEWS, partition.get())) {
            int p = partition.get();
            long staleness = stores.isActive(StoreNames.HOST_VIEWS, p) ? 0 : lags.stalenessMs(StoreNames.HOST_VIEWS, p);
            if (staleness <= maxLag) {
                try {
                    return serve(read, host, p, staleness == 0 && stores.isActive(StoreNames.HOST_VIEWS, p), staleness, maxLag);
                } catch (LocalStores.NotHere e) {
                    why += "; local copy: " + e.getMessage();
                }
            } else {
                why += "; the local copy may be " + (staleness == LagTracker.UNBOUNDED ? "arbitrarily" : staleness + " ms") + " stale";
            }
        }
        if (known && !forwarded) {
            for (HostInfo standby : meta.standbyHosts()) {
                if (standby.equals(self)) {
                    continue;
                }
                try {
                    Response r = forwarder.forward(standby, req, maxLag);
                    if (r.status() != 503) {
                        return r;
                    }
                } catch (IOException e) {
                    why += "; standby " + standby.host() + ":" + standby.port() + " unreachable";
                }
            }
        }
        throw ApiException.unavailable(why + "; no copy within maxLagMs=" + maxLag);
    }

    private Response serve(LocalRead read, String host, int partition, boolean active, long staleness, long maxLag) throws Exception {
        Response r = read.read(new HostReader(stores, host, partition, active));
        java.util.Map<String, String> h = new java.util.LinkedHashMap<>(r.headers());
        h.put(Headers.SERVED_BY, self.host() + ":" + self.port());
        h.put(Headers.SERVED_FROM, active ? "active" : "standby");
        h.put(Headers.STALENESS_MS, Long.toString(staleness));
        if (maxLag >= 0) {
            h.put(Headers.MAX_LAG_MS, Long.toString(maxLag));
        }
        return new Response(r.status(), r.contentType(), r.body(), h);
    }

    /** The host's partition and instances, kept per host until the next rebalance ({@link KeyOwners}). */
    private KeyQueryMetadata metadata(String host) {
        return owners.of(host);
    }

    private KeyQueryMetadata lookup(String host) {
        try {
            return streams.queryMetadataForKey(StoreNames.HOST_VIEWS, host, KEYS);
        } catch (RuntimeException e) {
            log.debug("no metadata for host {}: {}", host, e.toString());
            return null;
        }
    }
}
