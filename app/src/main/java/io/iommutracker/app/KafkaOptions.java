package io.iommutracker.app;

import io.iommutracker.kafka.EmbeddedKafka;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import picocli.CommandLine.Option;

/** Where Kafka is: a cluster given with --bootstrap-servers, or else an embedded broker started here. */
final class KafkaOptions {

    @Option(names = "--bootstrap-servers", paramLabel = "HOST:PORT[,...]",
            description = "Use this Kafka cluster instead of starting an embedded broker.")
    String bootstrapServers;

    @Option(names = "--kafka-config", paramLabel = "FILE",
            description = "Client properties passed to every Kafka client (TLS, SASL, ...), as a .properties file.")
    Path kafkaConfig;

    @Option(names = "--data-dir", paramLabel = "DIR", defaultValue = "data",
            description = "Where the embedded broker and the Streams state live (default: ${DEFAULT-VALUE}).")
    Path dataDir;

    @Option(names = "--kafka-port", paramLabel = "PORT", defaultValue = "9092",
            description = "Client port of the embedded broker on 127.0.0.1 (default: ${DEFAULT-VALUE}; 0 = any free port).")
    int kafkaPort;

    @Option(names = "--replication-factor", defaultValue = "1",
            description = "Replication factor of the topics created on a cluster (default: ${DEFAULT-VALUE}).")
    short replicationFactor;

    /** Client properties: the --kafka-config file, then bootstrap.servers. */
    Properties clientProperties(String bootstrap) {
        Properties p = new Properties();
        if (kafkaConfig != null) {
            if (!Files.isReadable(kafkaConfig)) {
                throw new IllegalArgumentException("--kafka-config " + kafkaConfig + ": file not found or not readable");
            }
            try (InputStream in = Files.newInputStream(kafkaConfig)) {
                p.load(in);
            } catch (IOException e) {
                throw new UncheckedIOException("--kafka-config " + kafkaConfig + ": " + e.getMessage(), e);
            }
        }
        p.setProperty("bootstrap.servers", bootstrap);
        return p;
    }

    boolean embedded() {
        return bootstrapServers == null || bootstrapServers.isBlank();
    }

    EmbeddedKafka startEmbedded() {
        return EmbeddedKafka.start(dataDir.resolve("kafka").toAbsolutePath(), kafkaPort, Map.of());
    }
}
