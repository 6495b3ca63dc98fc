package io.iommutracker.kafka;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.kafka.KafkaContainer;

/**
 * The broker integration tests run against: Testcontainers' Kafka module ({@code apache/kafka}) when a Docker engine
 * is available, otherwise the in-process {@link EmbeddedKafka}. One broker per test JVM, started on first use and
 * stopped when the JVM exits; tests isolate themselves with unique topic names and application ids.
 */
public final class KafkaFixture {

    private static final Logger log = LoggerFactory.getLogger(KafkaFixture.class);
    private static volatile String bootstrap;
    private static volatile String kind;

    private KafkaFixture() {
    }

    public static synchronized String bootstrapServers() {
        if (bootstrap == null) {
            if (!Boolean.getBoolean("iommutracker.forceEmbedded") && dockerAvailable()) {
                KafkaContainer c = new KafkaContainer("apache/kafka:4.1.0");
                c.start();
                Runtime.getRuntime().addShutdownHook(new Thread(c::stop, "kafka-container-stop"));
                bootstrap = c.getBootstrapServers();
                kind = "testcontainers";
            } else {
                EmbeddedKafka k = EmbeddedKafka.start(buildDir().resolve("embedded-kafka-" + UUID.randomUUID()));
                Runtime.getRuntime().addShutdownHook(new Thread(k::close, "embedded-kafka-stop"));
                bootstrap = k.bootstrapServers();
                kind = "embedded";
            }
            log.info("integration tests use the {} broker at {}", kind, bootstrap);
        }
        return bootstrap;
    }

    /** "embedded" or "testcontainers". */
    public static String kind() {
        bootstrapServers();
        return kind;
    }

    public static Properties clientProperties() {
        Properties p = new Properties();
        p.setProperty("bootstrap.servers", bootstrapServers());
        return p;
    }

    /** The module's build folder (target/), where brokers, state and Connect directories go. */
    public static Path buildDir() {
        String dir = System.getProperty("iommutracker.build.dir", "target");
        Path p = Path.of(dir).toAbsolutePath();
        try {
            Files.createDirectories(p);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return p;
    }

    /** A fresh directory under the build folder. */
    public static Path tempDir(String prefix) {
        Path p = buildDir().resolve("it-" + prefix + "-" + UUID.randomUUID());
        try {
            return Files.createDirectories(p);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static boolean dockerAvailable() {
        try {
            return DockerClientFactory.instance().isDockerAvailable();
        } catch (Throwable t) {
            log.debug("no Docker engine: {}", t.toString());
            return false;
        }
    }
}
