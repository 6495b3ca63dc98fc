package io.iommutracker.streams.alerts;

import io.iommutracker.avro.Alert;
import io.iommutracker.avro.AlertStatus;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * Turns "what holds now" into alert lifecycle records: FIRING when a condition starts (or its content changes),
 * RESOLVED when it stops. Nothing is emitted while a condition holds unchanged.
 */
public final class AlertReconciler {

    private AlertReconciler() {
    }

    /** What to emit and which fingerprints fire afterwards. */
    public record Outcome(List<Alert> emit, Set<String> firing) {
    }

    /**
     * @param firing the host's currently firing fingerprints
     * @param known  the latest lifecycle record of a fingerprint, or null
     * @param at     event time of the evaluation
     */
    public static Outcome reconcile(Set<String> firing, List<Condition> now, Function<String, Alert> known, long at) {
        Map<String, Condition> current = new LinkedHashMap<>();
        for (Condition c : now) {
            current.putIfAbsent(c.fingerprint(), c);
        }
        List<Alert> emit = new ArrayList<>();
        Instant t = Instant.ofEpochMilli(at);
        for (Map.Entry<String, Condition> e : current.entrySet()) {
            Condition c = e.getValue();
            Alert prior = firing.contains(e.getKey()) ? known.apply(e.getKey()) : null;
            if (prior == null || prior.getStatus() != AlertStatus.FIRING) {
                emit.add(alert(c, AlertStatus.FIRING, t, t, null));
            } else if (!sameContent(prior, c)) {
                emit.add(alert(c, AlertStatus.FIRING, prior.getFirstSeen(), t, null));
            }
        }
        for (String fp : new TreeSet<>(firing)) {
            if (current.containsKey(fp)) {
                continue;
            }
            Alert prior = known.apply(fp);
            if (prior != null && prior.getStatus() == AlertStatus.FIRING) {
                Alert resolved = Alert.newBuilder(prior).setStatus(AlertStatus.RESOLVED).setResolvedAt(t).build();
                emit.add(resolved);
            }
        }
        return new Outcome(emit, Set.copyOf(new TreeSet<>(current.keySet())));
    }

    private static boolean sameContent(Alert a, Condition c) {
        return a.getSeverity() == c.severity() && a.getDevices().equals(c.devices()) && a.getSummary().equals(c.summary())
                && a.getEvidence().equals(c.evidence());
    }

    private static Alert alert(Condition c, AlertStatus status, Instant first, Instant last, Instant resolved) {
        return Alert.newBuilder().setFingerprint(c.fingerprint()).setKind(c.kind()).setStatus(status)
                .setSeverity(c.severity()).setHostId(c.hostId()).setDevices(c.devices()).setSummary(c.summary())
                .setEvidence(new java.util.TreeMap<>(c.evidence())).setFirstSeen(first).setLastSeen(last)
                .setResolvedAt(resolved).build();
    }
}
