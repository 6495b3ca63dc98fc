package io.iommutracker.streams.api;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Matches method and path against templates such as {@code /api/v1/hosts/{host}/devices/{bdf}}: an unknown path is a
 * 404, a known path with another method a 405 naming the allowed ones.
 */
final class Router {

    record Route(String method, String template, String[] segments, Handler handler) {
    }

    record Match(Route route, Map<String, String> vars) {
    }

    private final List<Route> routes = new ArrayList<>();

    Router add(String method, String template, Handler handler) {
        routes.add(new Route(method, template, split(template), handler));
        return this;
    }

    List<Route> routes() {
        return List.copyOf(routes);
    }

    Match match(String method, String path) {
        String[] parts = split(path);
        TreeSet<String> allowed = new TreeSet<>();
        for (Route r : routes) {
            Map<String, String> vars = bind(r.segments(), parts);
            if (vars == null) {
                continue;
            }
            if (r.method().equals(method)) {
                return new Match(r, vars);
            }
            allowed.add(r.method());
        }
        if (allowed.isEmpty()) {
            throw ApiException.notFound("not_found", "no such path: " + path);
        }
        throw new MethodNotAllowed(method, path, allowed);
    }

    static final class MethodNotAllowed extends RuntimeException {
        final String allow;

        MethodNotAllowed(String method, String path, TreeSet<String> allowed) {
            super(method + " is not allowed on " + path + "; allowed: " + String.join(", ", allowed));
            this.allow = String.join(", ", allowed);
        }
    }

    private static Map<String, String> bind(String[] template, String[] parts) {
        if (template.length != parts.length) {
            return null;
        }
        Map<String, String> vars = new LinkedHashMap<>();
        for (int i = 0; i < template.length; i++) {
            String t = template[i];
            if (t.startsWith("{") && t.endsWith("}")) {
                if (parts[i].isEmpty()) {
                    return null;
                }
                vars.put(t.substring(1, t.length() - 1), java.net.URLDecoder.decode(parts[i].replace("+", "%2B"), java.nio.charset.StandardCharsets.UTF_8));
            } else if (!t.equals(parts[i])) {
                return null;
            }
        }
        return vars;
    }

    private static String[] split(String path) {
        String p = path.startsWith("/") ? path.substring(1) : path;
        if (p.endsWith("/")) {
            p = p.substring(0, p.length() - 1);
        }
        return p.isEmpty() ? new String[0] : p.split("/", -1);
    }
}
