package io.iommutracker.streams.api;

import com.sun.net.httpserver.HttpExchange;
import io.iommutracker.streams.engine.EmulatorEngine;
import io.iommutracker.streams.engine.HostEngine;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Semaphore;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.errors.StreamsException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The query API of one tracker instance: JSON over HTTP on the JDK's built-in server, base path /api/v1, plus
 * /health/* and /metrics. Per-host reads go to the host's owner (see {@link HostRouter}); fleet reads gather from
 * every instance (see {@link Fleet}). The routes and their parameters are described by /api/v1/openapi.json.
 */
public final class ApiServer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ApiServer.class);
    static final String ALERT_STREAM = "/api/v1/alerts/stream";
    private static final int MAX_BODY = 4 * 1024 * 1024;
    private static final byte[] NO_BODY = new byte[0];

    /** Connections served at once (a thread each); more are answered 503. */
    static final int MAX_CONNECTIONS = 512;

    private final BlockingHttpServer server;
    /** Requests handled at once: the CPU-bound part runs on at most {@code cfg.threads()} threads. */
    private final Semaphore handling;
    private final Router router = new Router();
    private final ApiMetrics metrics = new ApiMetrics();
    private final LagTracker lags;
    private final AlertStream alertStream;
    private final ApiConfig cfg;

    private ApiServer(KafkaStreams streams, ApiConfig cfg, HostEngine engine) throws IOException {
        this.cfg = cfg;
        LocalStores stores = new LocalStores(streams);
        this.lags = new LagTracker(streams);
        Forwarder forwarder = new Forwarder(cfg.advertised());
        HostRouter hostRouter = new HostRouter(streams, stores, lags, forwarder, cfg.advertised(), cfg.defaultMaxLagMs());
        FleetResources fleet = new FleetResources(new Fleet(streams, forwarder, cfg.advertised()), stores, lags, cfg.advertised(),
                cfg.defaultMaxLagMs());
        this.alertStream = new AlertStream(fleet, cfg.defaultMaxLagMs());
        fleet.register(router);
        RenderCache cache = new RenderCache(cfg.cacheBytes());
        new HostResources(hostRouter, cache).register(router);
        new WhatIfResource(hostRouter, engine).register(router);
        new SystemResources(streams, metrics, cache).register(router);
        router.add("GET", ALERT_STREAM, req -> {
            throw new IllegalStateException("streamed by the dispatcher");
        });

        this.handling = new Semaphore(cfg.threads());
        this.server = new BlockingHttpServer(new InetSocketAddress(cfg.host(), cfg.port()), 1024, MAX_CONNECTIONS, this::dispatch);
        log.info("query API listening on http://{}:{} (advertised as {})", cfg.host(), port(), cfg.applicationServer());
    }

    /** Starts the API of an instance; {@code cfg.applicationServer()} must be the instance's application.server. */
    public static ApiServer start(KafkaStreams streams, ApiConfig cfg) {
        return start(streams, cfg, EmulatorEngine.INSTANCE);
    }

    /**
     * As {@link #start(KafkaStreams, ApiConfig)}, with the engine the topology runs (the what-if endpoint replays
     * hypothetical events on a copy of a host with it).
     */
    public static ApiServer start(KafkaStreams streams, ApiConfig cfg, HostEngine engine) {
        try {
            return new ApiServer(streams, cfg, engine);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot listen on " + cfg.host() + ":" + cfg.port() + ": " + e.getMessage(), e);
        }
    }

    /** The port bound (the configured one, or the one picked for port 0). */
    public int port() {
        return server.address().getPort();
    }

    /** http://host:port of this server. */
    public String url() {
        return "http://" + cfg.host() + ":" + port();
    }

    /** Route templates served, as "METHOD /path/{var}". */
    public List<String> routes() {
        return router.routes().stream().map(r -> r.method() + " " + r.template()).toList();
    }

    private void dispatch(HttpExchange ex) {
        try {
            handling.acquire();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            ex.close();
            return;
        }
        try {
            handle(ex);
        } finally {
            handling.release();
        }
    }

    private void handle(HttpExchange ex) {
        long t0 = System.nanoTime();
        String route = "unmatched";
        String method = ex.getRequestMethod().toUpperCase(Locale.ROOT);
        Response resp;
        try {
            Request req = read(ex);
            Router.Match m = router.match(method, req.path());
            route = m.route().template();
            req = req.withPathVars(m.vars());
            if (route.equals(ALERT_STREAM)) {
                alertStream.start(ex, req);
                metrics.record(route, method, 200, System.nanoTime() - t0);
                return;
            }
            resp = m.route().handler().handle(req);
        } catch (ApiException e) {
            resp = Response.error(e);
        } catch (Router.MethodNotAllowed e) {
            resp = Response.error(new ApiException(405, "method_not_allowed", e.getMessage())).withHeader("Allow", e.allow);
        } catch (StreamsException e) {
            // InvalidStateStoreException and friends: the store moved or is restoring
            resp = Response.error(ApiException.unavailable("Kafka Streams cannot answer now: " + e.getMessage()));
        } catch (Exception e) {
            log.error("{} {} failed", method, ex.getRequestURI(), e);
            resp = Response.error(new ApiException(500, "internal_error", e.getClass().getSimpleName() + ": " + e.getMessage()));
        }
        write(ex, resp);
        metrics.record(route, method, resp.status(), System.nanoTime() - t0);
    }

    private static Request read(HttpExchange ex) throws IOException {
        Map<String, String> headers = new HashMap<>();
        ex.getRequestHeaders().forEach((k, v) -> {
            if (!v.isEmpty()) {
                headers.put(k.toLowerCase(Locale.ROOT), v.get(0));
            }
        });
        byte[] body;
        try (InputStream in = ex.getRequestBody()) {
            // most requests are GETs without a body: readNBytes would still allocate its 8-16 KB chunk for each
            body = headers.containsKey("content-length") || headers.containsKey("transfer-encoding") ? in.readNBytes(MAX_BODY + 1) : NO_BODY;
        }
        if (body.length > MAX_BODY) {
            throw new ApiException(413, "body_too_large", "request bodies are limited to " + MAX_BODY + " bytes");
        }
        return Request.of(ex.getRequestMethod().toUpperCase(Locale.ROOT), ex.getRequestURI().getRawPath(),
                ex.getRequestURI().getRawQuery(), headers, body);
    }

    private static void write(HttpExchange ex, Response r) {
        try {
            r.headers().forEach((k, v) -> ex.getResponseHeaders().set(k, v));
            ex.getResponseHeaders().set("Content-Type", r.contentType());
            ex.sendResponseHeaders(r.status(), r.body().length == 0 ? -1 : r.body().length);
            if (r.body().length > 0) {
                try (OutputStream out = ex.getResponseBody()) {
                    out.write(r.body());
                }
            }
        } catch (IOException e) {
            log.debug("client went away: {}", e.toString());
        } finally {
            ex.close();
        }
    }

    @Override
    public void close() {
        alertStream.close();
        server.close();
        lags.close();
        log.info("query API on port {} stopped", port());
    }
}
