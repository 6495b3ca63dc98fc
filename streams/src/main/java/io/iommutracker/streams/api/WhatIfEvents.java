package io.iommutracker.streams.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.iommutracker.avro.PciEvent;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.avro.AvroRuntimeException;
import org.apache.avro.Schema;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.specific.SpecificDatumReader;

/**
 * The body of POST /hosts/{host}/what-if: {@code {"events": [payload, ...]}} (or a bare array), where each payload is
 * the Avro JSON encoding of one branch of {@code PciEvent.payload}: an object with one key, the event type, e.g.
 * {@code {"AcsControlChanged": {"bdf": "0000:00:01.0", "ctrl": 0}}}. The short type name stands for
 * {@code io.iommutracker.avro.<Type>}. Inside it the Avro JSON rules hold: every field without a default is given,
 * and a nullable field that is set is wrapped in its type ({@code "driver": {"string": "vfio-pci"}}).
 * The server fills hostId, sequence (following the host's last), observedAt (now) and source ("what-if").
 */
final class WhatIfEvents {

    private static final Schema PAYLOAD = PciEvent.getClassSchema().getField("payload").schema();
    private static final String NAMESPACE = PciEvent.getClassSchema().getNamespace();
    static final int MAX_EVENTS = 1000;

    private WhatIfEvents() {
    }

    static List<PciEvent> parse(byte[] body, String host, long lastSequence, Instant now) {
        if (body == null || body.length == 0) {
            throw ApiException.badRequest("bad_body", "expected a JSON body {\"events\": [...]}");
        }
        JsonNode root = Json.parse(body);
        JsonNode events = root.isArray() ? root : root.path("events");
        if (!events.isArray() || events.isEmpty()) {
            throw ApiException.badRequest("bad_body", "expected a non-empty JSON array of events, or {\"events\": [...]}");
        }
        if (events.size() > MAX_EVENTS) {
            throw ApiException.badRequest("bad_body", "at most " + MAX_EVENTS + " events per what-if, got " + events.size());
        }
        List<PciEvent> out = new ArrayList<>();
        SpecificDatumReader<Object> reader = new SpecificDatumReader<>(PAYLOAD);
        int i = 0;
        for (JsonNode e : events) {
            if (!e.isObject() || e.size() != 1) {
                throw ApiException.badRequest("bad_event", "event " + i + ": expected an object with one key, the event type, e.g. "
                        + "{\"AcsControlChanged\": {\"bdf\": \"0000:00:01.0\", \"ctrl\": 0}}");
            }
            Map.Entry<String, JsonNode> only = e.fields().next();
            String type = only.getKey().contains(".") ? only.getKey() : NAMESPACE + "." + only.getKey();
            if (PAYLOAD.getTypes().stream().noneMatch(s -> s.getFullName().equals(type))) {
                throw ApiException.badRequest("bad_event", "event " + i + ": unknown event type '" + only.getKey() + "'; one of "
                        + PAYLOAD.getTypes().stream().map(Schema::getName).toList());
            }
            ObjectNode wrapped = Json.object();
            wrapped.set(type, only.getValue());
            Object payload;
            try {
                payload = reader.read(null, DecoderFactory.get().jsonDecoder(PAYLOAD, wrapped.toString()));
            } catch (IOException | AvroRuntimeException e2) {
                throw ApiException.badRequest("bad_event", "event " + i + " (" + only.getKey() + "): " + e2.getMessage());
            }
            out.add(PciEvent.newBuilder().setHostId(host).setSequence(lastSequence + i + 1).setObservedAt(now)
                    .setSource("what-if").setPayload(payload).build());
            i++;
        }
        return out;
    }

    static Iterator<String> typeNames() {
        return PAYLOAD.getTypes().stream().map(Schema::getName).iterator();
    }
}
