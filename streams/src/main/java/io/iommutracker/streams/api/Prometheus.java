package io.iommutracker.streams.api;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;

/**
 * Kafka's metrics in the Prometheus text format (version 0.0.4): {@code kafka_streams_<group>_<name>{tags} value},
 * numeric and finite values only, one TYPE line per family. Kafka's metrics carry no type, so all are untyped.
 */
final class Prometheus {

    private Prometheus() {
    }

    static void appendKafka(StringBuilder sb, Map<MetricName, ? extends Metric> metrics) {
        Map<String, List<String>> families = new TreeMap<>();
        for (Map.Entry<MetricName, ? extends Metric> e : metrics.entrySet()) {
            Object v;
            try {
                v = e.getValue().metricValue();
            } catch (RuntimeException ex) {
                continue;
            }
            if (!(v instanceof Number n) || !Double.isFinite(n.doubleValue())) {
                continue;
            }
            MetricName m = e.getKey();
            String family = "kafka_streams_" + name(m.group()) + "_" + name(m.name());
            StringBuilder line = new StringBuilder(family);
            if (!m.tags().isEmpty()) {
                line.append('{');
                boolean first = true;
                for (Map.Entry<String, String> t : new TreeMap<>(m.tags()).entrySet()) {
                    line.append(first ? "" : ",").append(name(t.getKey())).append("=\"").append(escape(t.getValue())).append('"');
                    first = false;
                }
                line.append('}');
            }
            line.append(' ').append(format(n.doubleValue()));
            families.computeIfAbsent(family, k -> new ArrayList<>()).add(line.toString());
        }
        families.forEach((family, lines) -> {
            sb.append("# TYPE ").append(family).append(" untyped\n");
            lines.stream().sorted().forEach(l -> sb.append(l).append('\n'));
        });
    }

    /** A metric or label name: [a-zA-Z_][a-zA-Z0-9_]*. */
    static String name(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            b.append((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (i > 0 && c >= '0' && c <= '9') ? c : '_');
        }
        return b.toString();
    }

    static String escape(String v) {
        return v == null ? "" : v.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }

    private static String format(double d) {
        return d == Math.rint(d) && Math.abs(d) < 1e15 ? Long.toString((long) d) : Double.toString(d);
    }
}
