package io.iommutracker.connectors.config;

import io.iommutracker.connectors.sink.AlertSinkConnector;
import io.iommutracker.connectors.sink.AlertSinkConnectorConfig;
import io.iommutracker.connectors.source.TelemetrySourceConnector;
import io.iommutracker.connectors.source.TelemetrySourceConnectorConfig;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import org.apache.kafka.common.config.ConfigDef;

/**
 * Writes connectors/CONFIG.md from the connectors' ConfigDefs, so the documentation of every option is the code's own;
 * ConfigDocsTest fails when the file is not what this produces.
 */
public final class ConfigDocs {

    private ConfigDocs() {
    }

    private record Section(String title, Class<?> connector, ConfigDef def) {
    }

    public static String markdown() {
        StringBuilder b = new StringBuilder();
        b.append("# Connector configuration\n\n")
                .append("Generated from the connectors' `ConfigDef`s by `io.iommutracker.connectors.config.ConfigDocs`;")
                .append(" do not edit. Regenerate with\n`mvn -pl connectors -am test -Dtest=ConfigDocsTest")
                .append(" -Dsurefire.failIfNoSpecifiedTests=false -Diommutracker.docs.update=true`.\n");
        for (Section s : List.of(
                new Section("Telemetry source", TelemetrySourceConnector.class, TelemetrySourceConnectorConfig.configDef()),
                new Section("Alertmanager sink", AlertSinkConnector.class, AlertSinkConnectorConfig.configDef()))) {
            b.append("\n## ").append(s.title).append("\n\n`connector.class=").append(s.connector.getName()).append("`\n");
            for (String group : s.def.groups()) {
                b.append("\n### ").append(group).append("\n\n")
                        .append("| option | type | default | valid values | importance | description |\n")
                        .append("|---|---|---|---|---|---|\n");
                s.def.configKeys().values().stream()
                        .filter(k -> group.equals(k.group) && !k.internalConfig)
                        .sorted(Comparator.comparingInt(k -> k.orderInGroup))
                        .forEach(k -> b.append("| `").append(k.name).append("` | ").append(k.type.name().toLowerCase())
                                .append(" | ").append(defaultOf(k)).append(" | ")
                                .append(k.validator == null ? "" : cell(k.validator.toString())).append(" | ")
                                .append(k.importance.name().toLowerCase()).append(" | ").append(cell(k.documentation))
                                .append(" |\n"));
            }
        }
        return b.toString();
    }

    private static String defaultOf(ConfigDef.ConfigKey k) {
        if (!k.hasDefault()) {
            return "(required)";
        }
        String v = ConfigDef.convertToString(k.defaultValue, k.type);
        return v == null || v.isEmpty() ? "\"\"" : "`" + v + "`";
    }

    private static String cell(String s) {
        return Objects.toString(s, "").replace("|", "\\|").replace("\n", " ");
    }
}
