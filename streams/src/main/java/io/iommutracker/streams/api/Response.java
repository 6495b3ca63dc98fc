package io.iommutracker.streams.api;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/** What a resource answers: status, content type, body and extra headers. */
public record Response(int status, String contentType, byte[] body, Map<String, String> headers) {

    public static final String JSON = "application/json";
    public static final String TEXT = "text/plain; charset=utf-8";

    public static Response json(int status, Object value) {
        return new Response(status, JSON, Json.bytes(value), new LinkedHashMap<>());
    }

    public static Response ok(Object value) {
        return json(200, value);
    }

    public static Response text(int status, String body, String contentType) {
        return new Response(status, contentType, body.getBytes(StandardCharsets.UTF_8), new LinkedHashMap<>());
    }

    public static Response error(ApiException e) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("error", e.error());
        body.put("detail", e.detail());
        Response r = json(e.status(), body);
        if (e.retryAfterSeconds() > 0) {
            r.headers().put("Retry-After", Integer.toString(e.retryAfterSeconds()));
        }
        return r;
    }

    /** A copy with one more header (the map is mutable only while the response is being built). */
    public Response withHeader(String name, String value) {
        Map<String, String> h = new LinkedHashMap<>(headers);
        h.put(name, value);
        return new Response(status, contentType, body, h);
    }
}
