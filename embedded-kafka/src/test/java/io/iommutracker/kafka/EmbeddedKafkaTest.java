package io.iommutracker.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

class EmbeddedKafkaTest {

    @Test
    void shouldKeepTopicsAndRecordsAcrossARestartOnTheSameDirectory() throws Exception {
        Path dir = KafkaFixture.tempDir("restart");
        String value;
        try (EmbeddedKafka k = EmbeddedKafka.start(dir)) {
            Properties p = new Properties();
            p.setProperty("bootstrap.servers", k.bootstrapServers());
            var r = TopicSetup.ensure(p, List.of(new TopicSetup.Spec("t1", 2, Map.of())), (short) 1);
            assertThat(r.created()).containsExactly("t1");
            try (var prod = new KafkaProducer<>(p, new StringSerializer(), new StringSerializer())) {
                prod.send(new ProducerRecord<>("t1", "k", "v1")).get();
            }
            value = "v1";
        }
        try (EmbeddedKafka k = EmbeddedKafka.start(dir)) {
            Properties p = new Properties();
            p.setProperty("bootstrap.servers", k.bootstrapServers());
            var r = TopicSetup.ensure(p, List.of(new TopicSetup.Spec("t1", 2, Map.of())), (short) 1);
            assertThat(r.existing()).containsExactly("t1");
            p.setProperty("group.id", "g");
            p.setProperty("auto.offset.reset", "earliest");
            try (var cons = new KafkaConsumer<>(p, new StringDeserializer(), new StringDeserializer())) {
                cons.subscribe(List.of("t1"));
                String got = null;
                long deadline = System.currentTimeMillis() + 20_000;
                while (got == null && System.currentTimeMillis() < deadline) {
                    ConsumerRecords<String, String> recs = cons.poll(Duration.ofMillis(200));
                    for (var rec : recs) {
                        got = rec.value();
                    }
                }
                assertThat(got).isEqualTo(value);
            }
        }
    }

    @Test
    void shouldRefuseAPortThatIsTaken() throws Exception {
        try (var s = new java.net.ServerSocket(0, 0, java.net.InetAddress.getLoopbackAddress())) {
            assertThatThrownBy(() -> EmbeddedKafka.start(KafkaFixture.tempDir("taken"), s.getLocalPort(), Map.of()))
                    .hasMessageContaining("already in use");
        }
    }

    @Test
    void shouldServeClientsOnAFurtherListenerAndRefuseNamesItCannotUse() throws Exception {
        assertThatThrownBy(() -> EmbeddedKafka.start(KafkaFixture.tempDir("bad-listener"), 0, Map.of(),
                List.of("CONTROLLER"))).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("CONTROLLER");
        try (EmbeddedKafka k = EmbeddedKafka.start(KafkaFixture.tempDir("extra-listener"), 0, Map.of(), List.of("CLIENT"))) {
            String client = k.bootstrapServers("CLIENT");
            assertThat(client).isNotEqualTo(k.bootstrapServers());
            assertThatThrownBy(() -> k.bootstrapServers("OTHER")).hasMessageContaining("[CLIENT]");
            Properties p = new Properties();
            p.setProperty("bootstrap.servers", client);
            var r = TopicSetup.ensure(p, List.of(new TopicSetup.Spec("via-client", 1, Map.of())), (short) 1);
            assertThat(r.created()).containsExactly("via-client");
            try (var prod = new KafkaProducer<>(p, new StringSerializer(), new StringSerializer())) {
                assertThat(prod.send(new ProducerRecord<>("via-client", "k", "v")).get().offset()).isZero();
            }
        }
    }
}
