package io.iommutracker.connectors.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.iommutracker.connectors.Version;
import io.iommutracker.connectors.sink.AlertSinkConnector;
import io.iommutracker.connectors.source.TelemetrySourceConnector;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.Config;
import org.apache.kafka.common.config.ConfigValue;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a worker does at submit time: Connector.validate(), whose errors name the option. */
class ConfigValidationTest {

    private static List<String> errors(Config c, String option) {
        return c.configValues().stream().filter(v -> v.name().equals(option)).findFirst()
                .map(ConfigValue::errorMessages).orElseThrow();
    }

    @Test
    void alertmanagerUrlMustBeHttpWithAHost() {
        AlertSinkConnector sink = new AlertSinkConnector();
        for (String bad : List.of("ftp://am:9093", "http:///api", "not a url", "am:9093", "http://am:9093/?x=1")) {
            assertThat(errors(sink.validate(Map.of("alertmanager.url", bad)), "alertmanager.url"))
                    .as(bad).isNotEmpty();
        }
        assertThat(errors(sink.validate(Map.of("alertmanager.url", "https://am.example:9093/prefix")), "alertmanager.url"))
                .isEmpty();
        assertThat(errors(sink.validate(Map.of("alertmanager.url", "http://am:9093", "retry.backoff.multiplier", "0.5")),
                "retry.backoff.multiplier")).isNotEmpty();
    }

    @Test
    void spoolMustBeAnExistingDirectory(@TempDir Path tmp) throws Exception {
        TelemetrySourceConnector src = new TelemetrySourceConnector();
        assertThat(errors(src.validate(Map.of("spool.dir", tmp.resolve("missing").toString())), "spool.dir"))
                .singleElement().asString().contains("spool.dir").contains("no such directory");
        Path file = Files.createFile(tmp.resolve("f"));
        assertThat(errors(src.validate(Map.of("spool.dir", file.toString())), "spool.dir")).isNotEmpty();
        assertThat(errors(src.validate(Map.of("spool.dir", tmp.toString(), "topic", "bad topic")), "topic")).isNotEmpty();
        assertThat(errors(src.validate(Map.of("spool.dir", tmp.toString())), "spool.dir")).isEmpty();
    }

    @Test
    void versionComesFromTheBuild() {
        assertThat(Version.get()).matches("\\d+\\.\\d+\\.\\d+.*").doesNotContain("${");
        assertThat(new AlertSinkConnector().version()).isEqualTo(Version.get());
    }
}
