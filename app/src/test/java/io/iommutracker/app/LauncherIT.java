package io.iommutracker.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.iommutracker.kafka.KafkaFixture;
import io.iommutracker.schemas.Topics;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.TopicDescription;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class LauncherIT {

    @Test
    void shouldCreateEveryTopicOnTheClusterGivenAndReportIt() throws Exception {
        StringWriter out = new StringWriter();
        CommandLine cl = new CommandLine(new Main());
        cl.setOut(new PrintWriter(out));
        int rc = cl.execute("run", "--exit-after-start", "--bootstrap-servers", KafkaFixture.bootstrapServers(), "--partitions", "4",
                "--http-port", "0", "--application-id", "launcher-" + java.util.UUID.randomUUID(),
                "--data-dir", KafkaFixture.tempDir("launcher").toString());
        assertThat(rc).isZero();
        for (var t : Topics.ALL) {
            assertThat(out.toString()).contains("topic " + t.name());
        }
        assertThat(out.toString()).contains("query API: http://127.0.0.1:").contains("RUNNING after");
        try (Admin admin = Admin.create(KafkaFixture.clientProperties())) {
            Set<String> names = Set.copyOf(Topics.ALL.stream().map(t -> t.name()).toList());
            var desc = admin.describeTopics(names).allTopicNames().get(30, TimeUnit.SECONDS);
            for (TopicDescription d : desc.values()) {
                assertThat(d.partitions()).hasSizeGreaterThanOrEqualTo(4);
            }
            var cfg = admin.describeConfigs(Set.of(new org.apache.kafka.common.config.ConfigResource(
                    org.apache.kafka.common.config.ConfigResource.Type.TOPIC, Topics.HOST_VIEWS.name()))).all().get(30, TimeUnit.SECONDS);
            assertThat(cfg.values().iterator().next().get("cleanup.policy").value()).isEqualTo("compact");
        }
    }

    @Test
    void shouldNameAMissingKafkaConfigFile() {
        StringWriter err = new StringWriter();
        CommandLine cl = new CommandLine(new Main());
        cl.setErr(new PrintWriter(err));
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            cmd.getErr().println("error: " + ex.getMessage());
            return 1;
        });
        int rc = cl.execute("run", "--exit-after-start", "--bootstrap-servers", "127.0.0.1:1", "--kafka-config", "/nonexistent.properties");
        assertThat(rc).isEqualTo(1);
        assertThat(err.toString()).contains("--kafka-config /nonexistent.properties: file not found");
    }
}
