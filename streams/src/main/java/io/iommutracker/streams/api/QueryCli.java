package io.iommutracker.streams.api;

import com.fasterxml.jackson.databind.JsonNode;
import io.iommutracker.avro.ResvType;
import io.iommutracker.emulator.resv.Region;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code iommu-tracker query ...}: a thin client of the query API, human-readable by default, JSON with --json.
 * Exit codes: 0 answered, 1 the API answered an error (or was unreachable), 2 usage error.
 */
public final class QueryCli {

    static final String USAGE = """
            usage: iommu-tracker query [--url URL] [--json] [--as-of TIME] [--max-lag-ms N] COMMAND
              host <host>                    summary of one host
              hosts [--limit N] [--cursor C] [--platform P]   hosts of the fleet, a page at a time
              groups <host> [--view live]    IOMMU groups (kernel view by default) with reserved regions
              device <host> <bdf>            one device: groups in both views, regions, assignment verdicts
              alerts [--kind K] [--severity S] [--host H]   firing alerts of the fleet
            --url defaults to http://127.0.0.1:8080""";

    private QueryCli() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out));
    }

    /** Runs one query and prints the answer to {@code out}; returns the exit code. */
    public static int run(String[] args, PrintStream out) {
        Map<String, String> opts = new LinkedHashMap<>();
        List<String> words = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--json")) {
                opts.put("json", "true");
            } else if (a.startsWith("--")) {
                String name = a.substring(2);
                int eq = name.indexOf('=');
                if (eq >= 0) {
                    opts.put(name.substring(0, eq), name.substring(eq + 1));
                } else if (i + 1 < args.length) {
                    opts.put(name, args[++i]);
                } else {
                    out.println("option " + a + " needs a value\n" + USAGE);
                    return 2;
                }
            } else {
                words.add(a);
            }
        }
        if (words.isEmpty()) {
            out.println(USAGE);
            return 2;
        }
        String url = opts.getOrDefault("url", "http://127.0.0.1:8080").replaceAll("/+$", "");
        Map<String, String> q = new LinkedHashMap<>();
        if (opts.containsKey("as-of")) {
            q.put("asOf", opts.get("as-of"));
        }
        if (opts.containsKey("max-lag-ms")) {
            q.put("maxLagMs", opts.get("max-lag-ms"));
        }
        String cmd = words.get(0);
        String path;
        switch (cmd) {
            case "host" -> {
                if (words.size() != 2) {
                    return usage(out);
                }
                path = "/api/v1/hosts/" + enc(words.get(1));
            }
            case "hosts" -> {
                q.remove("asOf");
                for (String f : List.of("limit", "cursor", "platform")) {
                    if (opts.containsKey(f)) {
                        q.put(f, opts.get(f));
                    }
                }
                path = "/api/v1/hosts";
            }
            case "groups" -> {
                if (words.size() != 2) {
                    return usage(out);
                }
                q.put("view", opts.getOrDefault("view", "kernel"));
                path = "/api/v1/hosts/" + enc(words.get(1)) + "/groups";
            }
            case "device" -> {
                if (words.size() != 3) {
                    return usage(out);
                }
                path = "/api/v1/hosts/" + enc(words.get(1)) + "/devices/" + enc(words.get(2));
            }
            case "alerts" -> {
                q.remove("asOf");
                for (String f : List.of("kind", "severity", "host")) {
                    if (opts.containsKey(f)) {
                        q.put(f, opts.get(f));
                    }
                }
                path = "/api/v1/alerts";
            }
            default -> {
                return usage(out);
            }
        }
        StringBuilder uri = new StringBuilder(url).append(path);
        q.forEach((k, v) -> uri.append(uri.indexOf("?") < 0 ? '?' : '&').append(k).append('=').append(enc(v)));
        HttpResponse<String> resp;
        try {
            HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
            resp = client.send(HttpRequest.newBuilder(URI.create(uri.toString())).timeout(Duration.ofSeconds(30)).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (IOException | IllegalArgumentException e) {
            out.println("error: cannot reach " + url + ": " + e.getMessage());
            return 1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 1;
        }
        boolean json = opts.containsKey("json");
        if (resp.statusCode() != 200) {
            if (json) {
                out.println(resp.body());
            } else {
                JsonNode err = parse(resp.body());
                out.println("error " + resp.statusCode() + ": " + err.path("error").asText("?") + ": " + err.path("detail").asText(resp.body()));
            }
            return 1;
        }
        if (json) {
            out.println(resp.body());
            return 0;
        }
        JsonNode body = parse(resp.body());
        switch (cmd) {
            case "host" -> printHost(out, body);
            case "hosts" -> printHosts(out, body);
            case "groups" -> printGroups(out, body);
            case "device" -> printDevice(out, body);
            default -> printAlerts(out, body);
        }
        resp.headers().firstValue(Headers.SERVED_FROM).filter("standby"::equals).ifPresent(s -> out.println(
                "(answered by standby " + resp.headers().firstValue(Headers.SERVED_BY).orElse("?") + ", at most "
                        + resp.headers().firstValue(Headers.STALENESS_MS).orElse("?") + " ms stale)"));
        return 0;
    }

    private static int usage(PrintStream out) {
        out.println(USAGE);
        return 2;
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static JsonNode parse(String s) {
        try {
            return Json.MAPPER.readTree(s);
        } catch (IOException e) {
            return Json.object();
        }
    }

    private static void printHost(PrintStream out, JsonNode h) {
        out.printf("host %s  platform %s  sequence %d  updated %s%s%n", h.path("host").asText(), h.path("platform").asText(),
                h.path("sequence").asLong(), h.path("updatedAt").asText(), h.path("degraded").asBoolean() ? "  DEGRADED" : "");
        out.printf("  %d devices, %d kernel groups, %d live groups, %d kernel/live differences, %d P2P hazards, %d devices refused for assignment%n",
                h.path("deviceCount").asInt(), h.path("kernelGroupCount").asInt(), h.path("liveGroupCount").asInt(),
                h.path("groupDifferences").asInt(), h.path("hazardCount").asInt(), h.path("devicesWithRefusedAssignment").asInt());
    }

    private static void printHosts(PrintStream out, JsonNode body) {
        out.printf("%-32s %-12s %8s %7s %7s %s%n", "HOST", "PLATFORM", "DEVICES", "GROUPS", "DIFFS", "DEGRADED");
        for (JsonNode h : body.path("hosts")) {
            out.printf("%-32s %-12s %8d %7d %7d %s%n", h.path("host").asText(), h.path("platform").asText(), h.path("deviceCount").asInt(),
                    h.path("kernelGroupCount").asInt(), h.path("groupDifferences").asInt(), h.path("degraded").asBoolean() ? "yes" : "no");
        }
        if (!body.path("nextCursor").isNull() && !body.path("nextCursor").isMissingNode()) {
            out.println("(more: --cursor " + body.path("nextCursor").asText() + ")");
        }
    }

    private static void printGroups(PrintStream out, JsonNode body) {
        out.printf("%s view of %s:%n", body.path("view").asText(), body.path("host").asText());
        for (JsonNode g : body.path("groups")) {
            List<String> devs = new ArrayList<>();
            g.path("devices").forEach(d -> devs.add(d.asText()));
            out.printf("  group %d: %s%s%n", g.path("id").asInt(), String.join(" ", devs), g.path("requireDirect").asBoolean() ? "  (require direct)" : "");
            printRegions(out, g.path("reservedRegions"), "      ");
        }
    }

    private static void printRegions(PrintStream out, JsonNode regions, String indent) {
        for (JsonNode r : regions) {
            out.println(indent + r.path("start").asText() + " " + r.path("end").asText() + " "
                    + Region.typeString(ResvType.valueOf(r.path("type").asText())));
        }
    }

    private static void printDevice(PrintStream out, JsonNode d) {
        JsonNode owner = d.path("owner");
        out.printf("%s on %s  driver %s  owner %s%s%n", d.path("bdf").asText(), d.path("host").asText(),
                d.path("driver").isNull() ? "(none)" : d.path("driver").asText(), owner.path("kind").asText(),
                owner.path("id").isNull() || owner.path("id").isMissingNode() ? "" : " " + owner.path("id").asText());
        for (String view : List.of("kernel", "live")) {
            JsonNode g = d.path(view + "Group");
            if (g.isNull() || g.isMissingNode()) {
                out.printf("  %s group: none%n", view);
                continue;
            }
            List<String> devs = new ArrayList<>();
            g.path("devices").forEach(x -> devs.add(x.asText()));
            out.printf("  %s group %d: %s%n", view, g.path("id").asInt(), String.join(" ", devs));
            if (view.equals("kernel")) {
                printRegions(out, g.path("reservedRegions"), "      ");
            }
        }
        for (JsonNode v : d.path("verdicts")) {
            out.printf("  %s: %s%s%n", v.path("api").asText(), v.path("allowed").asBoolean() ? "allowed" : "refused",
                    v.path("allowed").asBoolean() ? "" : " (" + v.path("errno").asText("") + ") " + v.path("reason").asText(""));
        }
    }

    private static void printAlerts(PrintStream out, JsonNode body) {
        if (body.path("count").asInt() == 0) {
            out.println("no firing alerts");
            return;
        }
        for (JsonNode a : body.path("alerts")) {
            List<String> devs = new ArrayList<>();
            a.path("devices").forEach(x -> devs.add(x.asText()));
            out.printf("%-8s %-17s %-24s %-28s %s%n", a.path("severity").asText(), a.path("kind").asText(), a.path("hostId").asText(),
                    String.join(",", devs), a.path("summary").asText());
        }
    }
}
