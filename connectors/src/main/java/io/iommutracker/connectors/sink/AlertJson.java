package io.iommutracker.connectors.sink;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.iommutracker.avro.Alert;
import io.iommutracker.avro.AlertStatus;
import java.time.Instant;
import java.util.Collection;
import java.util.Locale;
import java.util.TreeMap;

/**
 * An Alert as Alertmanager's v2 API postableAlert: labels identify it (alertname = kind, host, severity, fingerprint,
 * devices), annotations describe it (summary, evidence as a JSON object in one string), startsAt = first seen and,
 * once resolved, endsAt = when it resolved.
 */
public final class AlertJson {

    private static final ObjectMapper JSON = new ObjectMapper();

    private AlertJson() {
    }

    public static ObjectNode toPostable(Alert a) {
        ObjectNode n = JSON.createObjectNode();
        ObjectNode labels = n.putObject("labels");
        labels.put("alertname", a.getKind().name());
        labels.put("host", a.getHostId());
        labels.put("severity", a.getSeverity().name().toLowerCase(Locale.ROOT));
        labels.put("fingerprint", a.getFingerprint());
        if (!a.getDevices().isEmpty()) {
            labels.put("devices", String.join(",", a.getDevices()));
        }
        ObjectNode annotations = n.putObject("annotations");
        annotations.put("summary", a.getSummary());
        try {
            annotations.put("evidence", JSON.writeValueAsString(new TreeMap<>(a.getEvidence())));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        n.put("startsAt", a.getFirstSeen().toString());
        if (a.getStatus() == AlertStatus.RESOLVED) {
            Instant end = a.getResolvedAt() != null ? a.getResolvedAt() : a.getLastSeen();
            n.put("endsAt", end.toString());
        }
        return n;
    }

    public static String array(Collection<Alert> alerts) {
        ArrayNode arr = JSON.createArrayNode();
        alerts.forEach(a -> arr.add(toPostable(a)));
        try {
            return JSON.writeValueAsString(arr);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
