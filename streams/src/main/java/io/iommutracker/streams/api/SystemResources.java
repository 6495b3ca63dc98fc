package io.iommutracker.streams.api;

import io.iommutracker.streams.StoreNames;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.query.KeyQuery;
import org.apache.kafka.streams.query.StateQueryRequest;

/** Health, metrics and the OpenAPI document. */
final class SystemResources {

    static final String OPENAPI_RESOURCE = "/api/openapi.json";

    private final KafkaStreams streams;
    private final ApiMetrics metrics;
    private final RenderCache cache;
    private final byte[] openapi;

    SystemResources(KafkaStreams streams, ApiMetrics metrics, RenderCache cache) {
        this.streams = streams;
        this.metrics = metrics;
        this.cache = cache;
        try (InputStream in = SystemResources.class.getResourceAsStream(OPENAPI_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(OPENAPI_RESOURCE + " is missing from the classpath");
            }
            this.openapi = in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    void register(Router r) {
        r.add("GET", "/api/v1/openapi.json", req -> new Response(200, Response.JSON, openapi, new LinkedHashMap<>()));
        r.add("GET", "/health/live", req -> Response.ok(Map.of("status", "UP")));
        r.add("GET", "/health/ready", this::ready);
        r.add("GET", "/metrics", req -> {
            StringBuilder sb = new StringBuilder(64 * 1024);
            metrics.appendTo(sb);
            cache.appendTo(sb);
            Prometheus.appendKafka(sb, streams.metrics());
            return Response.text(200, sb.toString(), "text/plain; version=0.0.4; charset=utf-8");
        });
    }

    private Response ready(Request req) {
        KafkaStreams.State state = streams.state();
        if (state != KafkaStreams.State.RUNNING) {
            throw new ApiException(503, "not_ready", "Kafka Streams is " + state, 1);
        }
        try {
            for (String store : new String[] {StoreNames.HOST_VIEWS, StoreNames.ALERTS}) {
                // no partition asked: Kafka Streams still refuses an unknown store or a stopped instance, but runs the
                // query on no store, so no Position lock is taken (KAFKA-19629) and per-partition failures never mattered
                streams.query(StateQueryRequest.inStore(store).withQuery(KeyQuery.withKey("")).withPartitions(Set.of()));
            }
        } catch (RuntimeException e) {
            throw new ApiException(503, "not_ready", "stores are not queryable yet: " + e.getMessage(), 1);
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("status", "READY");
        body.put("state", state.name());
        return Response.ok(body);
    }
}
