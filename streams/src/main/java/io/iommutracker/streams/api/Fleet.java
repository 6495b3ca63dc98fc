package io.iommutracker.streams.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsMetadata;
import org.apache.kafka.streams.state.HostInfo;

/**
 * Fleet-wide reads: every instance that has the store scans its own partitions (internal endpoint), and the answers
 * are merged with one answer per partition, the active one preferred. A partition whose owner did not answer may be
 * covered by a standby copy within maxLagMs; if it is not covered at all the read is a 503, never a silent gap.
 */
final class Fleet {

    /** What one instance answers for one partition. */
    record PartitionAnswer(int partition, boolean active, long stalenessMs, String instance, ArrayNode items) {
    }

    /** The merged answer: one item list per chosen partition, who served, the worst staleness. */
    record Gathered(List<PartitionAnswer> partitions, List<String> servedBy, long maxStalenessMs) {
        List<JsonNode> items() {
            List<JsonNode> out = new ArrayList<>();
            partitions.forEach(p -> p.items().forEach(out::add));
            return out;
        }
    }

    private final KafkaStreams streams;
    private final Forwarder forwarder;
    private final HostInfo self;

    Fleet(KafkaStreams streams, Forwarder forwarder, HostInfo self) {
        this.streams = streams;
        this.forwarder = forwarder;
        this.self = self;
    }

    /**
     * @param internal the internal request to send to every instance (path + query of /api/v1/internal/...)
     * @param local    how this instance answers the same request
     */
    Gathered gather(String store, Request internal, long maxLag, Function<Request, ObjectNode> local) {
        Collection<StreamsMetadata> instances;
        try {
            instances = streams.streamsMetadataForStore(store);
        } catch (RuntimeException e) {
            throw ApiException.unavailable("cluster metadata unavailable: " + e.getMessage());
        }
        if (instances.isEmpty()) {
            throw ApiException.unavailable("no instance hosts store " + store + " yet (starting or rebalancing)");
        }
        Map<StreamsMetadata, CompletableFuture<JsonNode>> calls = new LinkedHashMap<>();
        StreamsMetadata mine = null;
        for (StreamsMetadata md : instances) {
            if (md.hostInfo().equals(self)) {
                mine = md;
            } else {
                calls.put(md, forwarder.send(md.hostInfo(), internal, maxLag).thenApply(r -> {
                    if (r.status() != 200) {
                        throw new IllegalStateException("status " + r.status() + ": " + new String(r.body(), java.nio.charset.StandardCharsets.UTF_8));
                    }
                    return Json.parse(r.body());
                }));
            }
        }
        if (mine != null) {
            // the remote scans are under way; this instance scans its own partitions meanwhile
            calls.put(mine, CompletableFuture.completedFuture(local.apply(internal)));
        }
        Map<Integer, PartitionAnswer> chosen = new TreeMap<>();
        List<String> failures = new ArrayList<>();
        for (Map.Entry<StreamsMetadata, CompletableFuture<JsonNode>> c : calls.entrySet()) {
            JsonNode answer;
            try {
                answer = c.getValue().get(10, TimeUnit.SECONDS);
            } catch (Exception e) {
                failures.add(c.getKey().host() + ":" + c.getKey().port() + " (" + rootMessage(e) + ")");
                continue;
            }
            String instance = answer.path("instance").asText();
            for (JsonNode p : answer.path("partitions")) {
                PartitionAnswer a = new PartitionAnswer(p.path("partition").asInt(), p.path("active").asBoolean(),
                        p.path("stalenessMs").asLong(), instance, (ArrayNode) p.path("items"));
                chosen.merge(a.partition(), a, Fleet::better);
            }
        }
        // every partition some instance is assigned must be in the answer: an owner that is down, or whose task is
        // still restoring, leaves a hole that only a standby within maxLagMs may fill
        TreeSet<Integer> missing = new TreeSet<>();
        for (StreamsMetadata md : instances) {
            for (TopicPartition tp : md.topicPartitions()) {
                if (!chosen.containsKey(tp.partition())) {
                    missing.add(tp.partition());
                }
            }
        }
        if (!missing.isEmpty()) {
            throw ApiException.unavailable("no answer for partitions " + missing
                    + (failures.isEmpty() ? " (their owners are restoring or rebalancing)" : "; unreachable: " + String.join(", ", failures))
                    + (maxLag < 0 ? "; pass maxLagMs to accept standby copies" : "; no standby copy within maxLagMs=" + maxLag));
        }
        List<PartitionAnswer> parts = new ArrayList<>(chosen.values());
        TreeSet<String> servedBy = new TreeSet<>();
        long worst = 0;
        for (PartitionAnswer p : parts) {
            servedBy.add(p.instance());
            worst = Math.max(worst, p.stalenessMs());
        }
        return new Gathered(parts, List.copyOf(servedBy), worst);
    }

    private static PartitionAnswer better(PartitionAnswer a, PartitionAnswer b) {
        if (a.active() != b.active()) {
            return a.active() ? a : b;
        }
        return a.stalenessMs() <= b.stalenessMs() ? a : b;
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null) {
            t = t.getCause();
        }
        return t.getClass().getSimpleName() + (t.getMessage() == null ? "" : ": " + t.getMessage());
    }

    /** Response headers for a fleet answer. */
    static Response annotate(Response r, Gathered g, long maxLag) {
        Response out = r.withHeader(Headers.SERVED_BY, String.join(", ", g.servedBy()))
                .withHeader(Headers.SERVED_FROM, g.partitions().stream().allMatch(PartitionAnswer::active) ? "active" : "standby")
                .withHeader(Headers.STALENESS_MS, Long.toString(g.maxStalenessMs()));
        return maxLag >= 0 ? out.withHeader(Headers.MAX_LAG_MS, Long.toString(maxLag)) : out;
    }
}
