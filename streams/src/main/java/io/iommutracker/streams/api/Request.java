package io.iommutracker.streams.api;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * One HTTP request as the resources see it: method, raw path and query, decoded parameters, the path variables the
 * route bound, the headers (names lower-case) and the body.
 */
public record Request(String method, String path, String rawQuery, Map<String, String> query,
                      Map<String, String> pathVars, Map<String, String> headers, byte[] body) {

    public static Request of(String method, String path, String rawQuery, Map<String, String> headers, byte[] body) {
        return new Request(method, path, rawQuery, parseQuery(rawQuery), Map.of(), headers, body);
    }

    public Request withPathVars(Map<String, String> vars) {
        return new Request(method, path, rawQuery, query, vars, headers, body);
    }

    /** The path and query as received, to forward verbatim. */
    public String pathAndQuery() {
        return rawQuery == null || rawQuery.isEmpty() ? path : path + "?" + rawQuery;
    }

    public String var(String name) {
        return pathVars.get(name);
    }

    public Optional<String> param(String name) {
        String v = query.get(name);
        return v == null || v.isEmpty() ? Optional.empty() : Optional.of(v);
    }

    public Optional<String> header(String name) {
        return Optional.ofNullable(headers.get(name.toLowerCase(Locale.ROOT)));
    }

    public int intParam(String name, int dflt, int min, int max) {
        Optional<String> v = param(name);
        if (v.isEmpty()) {
            return dflt;
        }
        try {
            int n = Integer.parseInt(v.get());
            if (n < min || n > max) {
                throw ApiException.badRequest("bad_parameter", name + " must be between " + min + " and " + max + ", got " + n);
            }
            return n;
        } catch (NumberFormatException e) {
            throw ApiException.badRequest("bad_parameter", name + " must be an integer, got '" + v.get() + "'");
        }
    }

    public Optional<Boolean> boolParam(String name) {
        Optional<String> v = param(name);
        if (v.isEmpty()) {
            return Optional.empty();
        }
        return switch (v.get().toLowerCase(Locale.ROOT)) {
            case "true" -> Optional.of(true);
            case "false" -> Optional.of(false);
            default -> throw ApiException.badRequest("bad_parameter", name + " must be true or false, got '" + v.get() + "'");
        };
    }

    /** One of {@code allowed} (case-insensitive), lower-cased; {@code dflt} when absent. */
    public String choice(String name, String dflt, String... allowed) {
        Optional<String> v = param(name);
        if (v.isEmpty()) {
            return dflt;
        }
        String s = v.get().toLowerCase(Locale.ROOT);
        for (String a : allowed) {
            if (a.equals(s)) {
                return s;
            }
        }
        throw ApiException.badRequest("bad_parameter", name + " must be one of " + String.join("|", allowed) + ", got '" + v.get() + "'");
    }

    /** An ISO-8601 instant ({@code 2026-01-02T03:04:05Z}, with or without offset) or epoch milliseconds. */
    public Optional<Instant> timeParam(String name) {
        Optional<String> v = param(name);
        if (v.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(parseTime(name, v.get()));
    }

    static Instant parseTime(String name, String s) {
        if (s.chars().allMatch(Character::isDigit) && !s.isEmpty() && s.length() <= 15) {
            return Instant.ofEpochMilli(Long.parseLong(s));
        }
        try {
            return Instant.parse(s);
        } catch (DateTimeParseException e) {
            try {
                return OffsetDateTime.parse(s).toInstant();
            } catch (DateTimeParseException e2) {
                throw ApiException.badRequest("bad_time", name + " is not an ISO-8601 instant (e.g. 2026-01-02T03:04:05Z): '" + s + "'");
            }
        }
    }

    /** The staleness this read accepts: query parameter maxLagMs, else header X-Max-Lag-Ms, else {@code dflt}. */
    public long maxLagMs(long dflt) {
        Optional<String> v = param("maxLagMs").or(() -> header(Headers.MAX_LAG_MS));
        if (v.isEmpty()) {
            return dflt;
        }
        try {
            long n = Long.parseLong(v.get().trim());
            if (n < 0) {
                throw ApiException.badRequest("bad_parameter", "maxLagMs must be >= 0, got " + n);
            }
            return n;
        } catch (NumberFormatException e) {
            throw ApiException.badRequest("bad_parameter", "maxLagMs must be an integer number of milliseconds, got '" + v.get() + "'");
        }
    }

    static Map<String, String> parseQuery(String raw) {
        Map<String, String> out = new LinkedHashMap<>();
        if (raw == null || raw.isEmpty()) {
            return out;
        }
        for (String pair : raw.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String k = eq < 0 ? pair : pair.substring(0, eq);
            String v = eq < 0 ? "" : pair.substring(eq + 1);
            try {
                out.putIfAbsent(URLDecoder.decode(k, StandardCharsets.UTF_8), URLDecoder.decode(v, StandardCharsets.UTF_8));
            } catch (IllegalArgumentException e) {
                throw ApiException.badRequest("bad_parameter", "malformed query string: " + e.getMessage());
            }
        }
        return out;
    }

    /** Comma-separated list parameter, empty when absent. */
    public List<String> listParam(String name) {
        return param(name).map(s -> List.of(s.split(","))).orElse(List.of()).stream()
                .map(String::trim).filter(x -> !x.isEmpty()).toList();
    }
}
