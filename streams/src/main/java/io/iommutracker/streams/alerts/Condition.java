package io.iommutracker.streams.alerts;

import io.iommutracker.avro.AlertKind;
import io.iommutracker.avro.Severity;
import java.util.List;
import java.util.Map;

/**
 * A fact about a host that should be alerting now. Two conditions with the same kind, host and subject are the same
 * alert ({@link #fingerprint()}); the rest may change while it fires.
 *
 * @param subject what the alert is about within the host (a device, a group, the host itself)
 */
public record Condition(AlertKind kind, String hostId, String subject, Severity severity, List<String> devices,
                        String summary, Map<String, String> evidence, String fingerprint) {

    public Condition {
        devices = List.copyOf(devices);
        evidence = Map.copyOf(evidence);
        // derived, made once: conditions are kept between evaluations and sorted and reconciled by it
        fingerprint = Fingerprints.of(kind, hostId, subject);
    }

    public Condition(AlertKind kind, String hostId, String subject, Severity severity, List<String> devices,
                     String summary, Map<String, String> evidence) {
        this(kind, hostId, subject, severity, devices, summary, evidence, null);
    }
}
