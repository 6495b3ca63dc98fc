package io.iommutracker.streams.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * GET /api/v1/alerts/stream: Server-Sent Events of alert changes, fleet-wide. The stream polls every instance's
 * alert store (as GET /alerts does) every {@code pollMs}; it first sends the alerts matching the filters
 * ({@code status} firing by default) and then every alert whose lifecycle record changed (fired, re-fired, resolved)
 * as {@code event: alert}, with {@code id: <fingerprint>@<lastSeen>}. A poll that cannot reach every partition sends
 * {@code event: unavailable} and the stream goes on. Streams run on their own threads, not the request threads.
 */
final class AlertStream implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(AlertStream.class);
    static final int MAX_STREAMS = 64;

    private final FleetResources fleet;
    private final long defaultMaxLagMs;
    private final Semaphore slots = new Semaphore(MAX_STREAMS);
    private final ExecutorService pool = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "api-alert-stream");
        t.setDaemon(true);
        return t;
    });
    private volatile boolean closed;

    AlertStream(FleetResources fleet, long defaultMaxLagMs) {
        this.fleet = fleet;
        this.defaultMaxLagMs = defaultMaxLagMs;
    }

    /** Validates, answers 200 with the event-stream headers, and hands the exchange to a stream thread. */
    void start(HttpExchange ex, Request req) throws IOException {
        Map<String, String> filters = FleetResources.alertFilters(req);
        String initialStatus = filters.remove("status");
        filters.put("status", "all");
        int pollMs = req.intParam("pollMs", 1000, 100, 60_000);
        int maxSeconds = req.intParam("maxSeconds", 0, 0, 86_400);
        long maxLag = req.maxLagMs(defaultMaxLagMs);
        if (!slots.tryAcquire()) {
            throw ApiException.unavailable("too many alert streams open (" + MAX_STREAMS + ")");
        }
        ex.getResponseHeaders().set("Content-Type", "text/event-stream; charset=utf-8");
        ex.getResponseHeaders().set("Cache-Control", "no-cache");
        ex.sendResponseHeaders(200, 0);
        pool.execute(() -> {
            try (OutputStream out = ex.getResponseBody()) {
                run(out, filters, initialStatus, pollMs, maxSeconds, maxLag);
            } catch (IOException e) {
                log.debug("alert stream closed by the client: {}", e.toString());
            } finally {
                slots.release();
                ex.close();
            }
        });
    }

    private void run(OutputStream out, Map<String, String> filters, String initialStatus, int pollMs, int maxSeconds, long maxLag)
            throws IOException {
        long deadline = maxSeconds == 0 ? Long.MAX_VALUE : System.currentTimeMillis() + maxSeconds * 1000L;
        Map<String, JsonNode> seen = new HashMap<>();
        boolean first = true;
        write(out, "retry: " + pollMs + "\n\n");
        while (!closed && System.currentTimeMillis() < deadline) {
            try {
                Map<String, JsonNode> now = new LinkedHashMap<>();
                for (JsonNode a : FleetResources.sortAlerts(fleet.gatherAlerts(filters, maxLag).items())) {
                    now.put(a.path("fingerprint").asText(), a);
                }
                int sent = 0;
                for (Map.Entry<String, JsonNode> e : now.entrySet()) {
                    JsonNode a = e.getValue();
                    boolean changed = !a.equals(seen.get(e.getKey()));
                    boolean wanted = !first || initialStatus.equals("all") || a.path("status").asText().equalsIgnoreCase(initialStatus);
                    if (changed && wanted) {
                        write(out, "event: alert\nid: " + e.getKey() + "@" + a.path("lastSeen").asText() + "\ndata: " + a + "\n\n");
                        sent++;
                    }
                }
                seen = now;
                first = false;
                if (sent == 0) {
                    write(out, ": no change\n\n");
                }
            } catch (ApiException e) {
                write(out, "event: unavailable\ndata: " + new String(Response.error(e).body(), StandardCharsets.UTF_8) + "\n\n");
            }
            try {
                Thread.sleep(Math.min(pollMs, Math.max(1, deadline - System.currentTimeMillis())));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private static void write(OutputStream out, String s) throws IOException {
        out.write(s.getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    @Override
    public void close() {
        closed = true;
        pool.shutdownNow();
    }
}
