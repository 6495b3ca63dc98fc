package io.iommutracker.streams.api;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.streams.state.HostInfo;

/** Sends a request on to another instance's API and hands its answer back unchanged, with the route it took. */
final class Forwarder {

    private static final List<String> KEPT_HEADERS = List.of(Headers.SERVED_BY, Headers.SERVED_FROM, Headers.STALENESS_MS,
            Headers.MAX_LAG_MS, Headers.VIA, "retry-after", "x-next-cursor", "x-partial");

    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofMillis(1000)).build();
    private final String self;

    Forwarder(HostInfo self) {
        this.self = self.host() + ":" + self.port();
    }

    /** Forwards {@code req}; an IOException means the target could not be reached (the caller falls back). */
    Response forward(HostInfo target, Request req, long maxLagMs) throws IOException {
        try {
            return send(target, req, maxLagMs).join();
        } catch (java.util.concurrent.CompletionException e) {
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            throw new IOException("forwarding to " + target + " failed: " + e.getCause(), e.getCause());
        }
    }

    CompletableFuture<Response> send(HostInfo target, Request req, long maxLagMs) {
        URI uri = URI.create("http://" + target.host() + ":" + target.port() + req.pathAndQuery());
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10))
                .header(Headers.FORWARDED, self);
        if (maxLagMs >= 0) {
            b.header(Headers.MAX_LAG_MS, Long.toString(maxLagMs));
        }
        if (req.body() != null && req.body().length > 0) {
            b.header("Content-Type", req.header("content-type").orElse(Response.JSON));
            b.method(req.method(), HttpRequest.BodyPublishers.ofByteArray(req.body()));
        } else {
            b.method(req.method(), HttpRequest.BodyPublishers.noBody());
        }
        return client.sendAsync(b.build(), HttpResponse.BodyHandlers.ofByteArray()).thenApply(r -> {
            Map<String, String> h = new LinkedHashMap<>();
            for (String name : KEPT_HEADERS) {
                r.headers().firstValue(name).ifPresent(v -> h.put(name, v));
            }
            h.merge(Headers.VIA, self, (a, c) -> c + ", " + a);
            return new Response(r.statusCode(), r.headers().firstValue("content-type").orElse(Response.JSON), r.body(), h);
        });
    }
}
