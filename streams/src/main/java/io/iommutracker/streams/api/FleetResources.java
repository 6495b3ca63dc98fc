package io.iommutracker.streams.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.iommutracker.avro.Alert;
import io.iommutracker.avro.AlertKind;
import io.iommutracker.avro.AlertStatus;
import io.iommutracker.avro.HostView;
import io.iommutracker.avro.IommuPlatform;
import io.iommutracker.avro.Severity;
import io.iommutracker.streams.StoreNames;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Predicate;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.HostInfo;

/** GET /api/v1/hosts and GET /api/v1/alerts (fleet-wide), and the internal per-instance scans they gather. */
final class FleetResources {

    static final String INTERNAL_HOSTS = "/api/v1/internal/hosts";
    static final String INTERNAL_ALERTS = "/api/v1/internal/alerts";
    private static final int MAX_LIMIT = 1000;
    private static final int MAX_FILTER_ROUNDS = 50;

    private final Fleet fleet;
    private final LocalStores stores;
    private final LagTracker lags;
    private final HostInfo self;
    private final long defaultMaxLagMs;

    FleetResources(Fleet fleet, LocalStores stores, LagTracker lags, HostInfo self, long defaultMaxLagMs) {
        this.fleet = fleet;
        this.stores = stores;
        this.lags = lags;
        this.self = self;
        this.defaultMaxLagMs = defaultMaxLagMs;
    }

    void register(Router r) {
        r.add("GET", "/api/v1/hosts", this::hosts);
        r.add("GET", "/api/v1/alerts", this::alerts);
        r.add("GET", INTERNAL_HOSTS, req -> Response.ok(localHosts(req)));
        r.add("GET", INTERNAL_ALERTS, req -> Response.ok(localAlerts(req)));
    }

    // ---- hosts

    private Response hosts(Request req) {
        int limit = req.intParam("limit", 100, 1, MAX_LIMIT);
        Optional<String> cursor = req.param("cursor");
        Optional<String> platform = req.param("platform").map(FleetResources::platform);
        Optional<Boolean> degraded = req.boolParam("degraded");
        Optional<Boolean> firing = req.boolParam("firingAlerts");
        long maxLag = req.maxLagMs(defaultMaxLagMs);
        Set<String> firingHosts = firing.isPresent() ? firingHosts(maxLag) : null;

        ArrayNode out = Json.array();
        String next = cursor.orElse(null);
        boolean more = true;
        List<Fleet.Gathered> rounds = new ArrayList<>();
        for (int round = 0; round < MAX_FILTER_ROUNDS && more && out.size() < limit; round++) {
            Map<String, String> q = new LinkedHashMap<>();
            if (next != null) {
                q.put("cursor", next);
            }
            q.put("limit", Integer.toString(limit));
            platform.ifPresent(p -> q.put("platform", p));
            degraded.ifPresent(d -> q.put("degraded", d.toString()));
            Fleet.Gathered g = fleet.gather(StoreNames.HOST_VIEWS, internal(INTERNAL_HOSTS, q, maxLag), maxLag, this::localHosts);
            rounds.add(g);
            List<JsonNode> items = g.items();
            items.sort(Comparator.comparing(n -> n.path("host").asText()));
            int taken = 0;
            for (JsonNode item : items) {
                if (taken == limit || out.size() == limit) {
                    break;
                }
                taken++;
                next = item.path("host").asText();
                if (firingHosts == null || firingHosts.contains(next) == firing.get()) {
                    out.add(item);
                }
            }
            // a partition that filled its limit may hold more beyond what was merged
            more = taken < items.size() || g.partitions().stream().anyMatch(p -> p.items().size() >= limit);
        }
        ObjectNode body = Json.object();
        body.set("hosts", out);
        body.put("count", out.size());
        if (more && next != null) {
            body.put("nextCursor", next);
        } else {
            body.putNull("nextCursor");
        }
        Response r = Response.ok(body);
        Fleet.Gathered merged = new Fleet.Gathered(rounds.stream().flatMap(g -> g.partitions().stream()).toList(),
                rounds.stream().flatMap(g -> g.servedBy().stream()).distinct().sorted().toList(),
                rounds.stream().mapToLong(Fleet.Gathered::maxStalenessMs).max().orElse(0));
        return Fleet.annotate(r, merged, maxLag);
    }

    private Set<String> firingHosts(long maxLag) {
        Map<String, String> q = Map.of("status", "firing");
        Set<String> hosts = new HashSet<>();
        for (JsonNode a : fleet.gather(StoreNames.ALERTS, internal(INTERNAL_ALERTS, q, maxLag), maxLag, this::localAlerts).items()) {
            hosts.add(a.path("hostId").asText());
        }
        return hosts;
    }

    ObjectNode localHosts(Request req) {
        int limit = req.intParam("limit", 100, 1, MAX_LIMIT);
        String after = req.param("cursor").orElse(null);
        Optional<IommuPlatform> platform = req.param("platform").map(p -> IommuPlatform.valueOf(platform(p)));
        Optional<Boolean> degraded = req.boolParam("degraded");
        Predicate<HostView> keep = v -> platform.map(p -> p == v.getPlatform()).orElse(true)
                && degraded.map(d -> d == v.getDegraded()).orElse(true);
        long maxLag = req.maxLagMs(defaultMaxLagMs);
        return partitions(StoreNames.HOST_VIEWS, maxLag,
                active -> stores.scanHosts(after, limit, keep, active), kv -> Views.summary(kv.value));
    }

    private static String platform(String p) {
        String up = p.toUpperCase(Locale.ROOT).replace('-', '_');
        try {
            return IommuPlatform.valueOf(up).name();
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest("bad_parameter", "platform must be one of " + List.of(IommuPlatform.values()) + ", got '" + p + "'");
        }
    }

    // ---- alerts

    private Response alerts(Request req) {
        Map<String, String> q = alertFilters(req);
        long maxLag = req.maxLagMs(defaultMaxLagMs);
        Fleet.Gathered g = fleet.gather(StoreNames.ALERTS, internal(INTERNAL_ALERTS, q, maxLag), maxLag, this::localAlerts);
        List<JsonNode> items = sortAlerts(g.items());
        ObjectNode body = Json.object();
        ArrayNode a = Json.array();
        items.forEach(a::add);
        body.set("alerts", a);
        body.put("count", items.size());
        return Fleet.annotate(Response.ok(body), g, maxLag);
    }

    /** Validated alert filters, as internal query parameters. */
    static Map<String, String> alertFilters(Request req) {
        Map<String, String> q = new LinkedHashMap<>();
        req.param("kind").ifPresent(k -> q.put("kind", enumName(AlertKind.class, "kind", k)));
        req.param("severity").ifPresent(s -> q.put("severity", enumName(Severity.class, "severity", s)));
        req.param("host").ifPresent(h -> q.put("host", h));
        q.put("status", req.choice("status", "firing", "firing", "resolved", "all"));
        return q;
    }

    static List<JsonNode> sortAlerts(List<JsonNode> items) {
        List<JsonNode> out = new ArrayList<>(items);
        out.sort(Comparator.<JsonNode>comparingInt(n -> Severity.valueOf(n.path("severity").asText()).ordinal())
                .thenComparing(n -> n.path("hostId").asText()).thenComparing(n -> n.path("fingerprint").asText()));
        return out;
    }

    private static <E extends Enum<E>> String enumName(Class<E> type, String param, String v) {
        try {
            return Enum.valueOf(type, v.toUpperCase(Locale.ROOT).replace('-', '_')).name();
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest("bad_parameter", param + " must be one of " + List.of(type.getEnumConstants()) + ", got '" + v + "'");
        }
    }

    Fleet.Gathered gatherAlerts(Map<String, String> filters, long maxLag) {
        return fleet.gather(StoreNames.ALERTS, internal(INTERNAL_ALERTS, filters, maxLag), maxLag, this::localAlerts);
    }

    ObjectNode localAlerts(Request req) {
        Optional<AlertKind> kind = req.param("kind").map(k -> AlertKind.valueOf(enumName(AlertKind.class, "kind", k)));
        Optional<Severity> sev = req.param("severity").map(s -> Severity.valueOf(enumName(Severity.class, "severity", s)));
        Optional<String> host = req.param("host");
        String status = req.choice("status", "firing", "firing", "resolved", "all");
        Predicate<Alert> keep = a -> kind.map(k -> k == a.getKind()).orElse(true)
                && sev.map(s -> s == a.getSeverity()).orElse(true)
                && host.map(h -> h.equals(a.getHostId())).orElse(true)
                && (status.equals("all") || (status.equals("firing") ? a.getStatus() == AlertStatus.FIRING : a.getStatus() == AlertStatus.RESOLVED));
        long maxLag = req.maxLagMs(defaultMaxLagMs);
        return partitions(StoreNames.ALERTS, maxLag, active -> stores.scanAlerts(keep, active), kv -> Json.avro(kv.value));
    }

    // ---- shared

    private <T> ObjectNode partitions(String store, long maxLag, Function<Boolean, Map<Integer, LocalStores.Partial<T>>> scan,
                                      Function<KeyValue<String, T>, JsonNode> item) {
        ObjectNode o = Json.object();
        o.put("instance", self.host() + ":" + self.port());
        ArrayNode parts = Json.array();
        Set<Integer> done = new HashSet<>();
        for (Map.Entry<Integer, LocalStores.Partial<T>> e : scan.apply(true).entrySet()) {
            if (e.getValue().ok()) {
                parts.add(partition(e.getKey(), true, 0, e.getValue(), item));
                done.add(e.getKey());
            }
        }
        if (maxLag >= 0) {
            for (Map.Entry<Integer, LocalStores.Partial<T>> e : scan.apply(false).entrySet()) {
                if (!done.contains(e.getKey()) && e.getValue().ok()) {
                    long staleness = lags.stalenessMs(store, e.getKey());
                    if (staleness <= maxLag) {
                        parts.add(partition(e.getKey(), false, staleness, e.getValue(), item));
                    }
                }
            }
        }
        o.set("partitions", parts);
        return o;
    }

    private static <T> ObjectNode partition(int p, boolean active, long staleness, LocalStores.Partial<T> part,
                                            Function<KeyValue<String, T>, JsonNode> item) {
        ObjectNode o = Json.object();
        o.put("partition", p);
        o.put("active", active);
        o.put("stalenessMs", staleness);
        ArrayNode items = Json.array();
        part.items().forEach(kv -> items.add(item.apply(kv)));
        o.set("items", items);
        return o;
    }

    static Request internal(String path, Map<String, String> params, long maxLag) {
        Map<String, String> q = new LinkedHashMap<>(params);
        if (maxLag >= 0) {
            q.put("maxLagMs", Long.toString(maxLag));
        }
        StringBuilder sb = new StringBuilder();
        q.forEach((k, v) -> sb.append(sb.isEmpty() ? "" : "&").append(k).append('=').append(URLEncoder.encode(v, StandardCharsets.UTF_8)));
        return Request.of("GET", path, sb.toString(), Map.of(), new byte[0]);
    }
}
