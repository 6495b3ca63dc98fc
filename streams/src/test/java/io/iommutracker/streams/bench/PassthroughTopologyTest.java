package io.iommutracker.streams.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.iommutracker.avro.PciEvent;
import io.iommutracker.schemas.Topics;
import io.iommutracker.streams.sim.FleetSimulator;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.Test;

class PassthroughTopologyTest {

    @Test
    void shouldCopyEveryEventAndDeadLetterWhatDoesNotDecode() {
        FleetSimulator sim = new FleetSimulator(FleetSimulator.Options.defaults().withHosts(5).withBadRecords(0.2, 0));
        List<FleetSimulator.SimRecord> sent = new ArrayList<>();
        long t = 1_700_000_000_000L;
        while (sent.size() < 300) {
            sent.add(sim.next(t += 10));
        }
        List<FleetSimulator.SimRecord> good = sent.stream().filter(r -> !r.garbage()).toList();
        List<FleetSimulator.SimRecord> bad = sent.stream().filter(FleetSimulator.SimRecord::garbage).toList();
        assertThat(bad).isNotEmpty();

        Properties p = new Properties();
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, "passthrough-test");
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        try (TopologyTestDriver driver = new TopologyTestDriver(PassthroughTopology.buildTopology(), p)) {
            TestInputTopic<byte[], byte[]> in = driver.createInputTopic(Topics.TELEMETRY.name(),
                    Serdes.ByteArray().serializer(), Serdes.ByteArray().serializer());
            for (FleetSimulator.SimRecord r : sent) {
                in.pipeInput(r.key(), r.value(), r.timestamp());
            }
            @SuppressWarnings("unchecked")
            TestOutputTopic<String, PciEvent> out = driver.createOutputTopic(PassthroughTopology.OUTPUT,
                    Serdes.String().deserializer(), (org.apache.kafka.common.serialization.Deserializer<PciEvent>)
                            Topics.TELEMETRY.valueSerde().deserializer());
            TestOutputTopic<byte[], byte[]> dlq = driver.createOutputTopic(PassthroughTopology.DEAD_LETTER,
                    Serdes.ByteArray().deserializer(), Serdes.ByteArray().deserializer());

            List<TestRecord<String, PciEvent>> copied = out.readRecordsToList();
            assertThat(copied).hasSameSizeAs(good);
            for (int i = 0; i < good.size(); i++) {
                assertThat(copied.get(i).key()).isEqualTo(good.get(i).hostId());
                assertThat(copied.get(i).value()).isEqualTo(good.get(i).event());
                assertThat(copied.get(i).timestamp()).isEqualTo(good.get(i).timestamp());
            }
            List<TestRecord<byte[], byte[]>> dead = dlq.readRecordsToList();
            assertThat(dead).hasSameSizeAs(bad);
            for (int i = 0; i < bad.size(); i++) {
                assertThat(dead.get(i).value()).isEqualTo(bad.get(i).value());
                assertThat(header(dead.get(i), Topics.DlqHeaders.STAGE)).isEqualTo("DECODE");
                assertThat(header(dead.get(i), Topics.DlqHeaders.REASON)).isNotBlank();
                assertThat(header(dead.get(i), Topics.DlqHeaders.SOURCE_OFFSET))
                        .isEqualTo(Long.toString(sent.indexOf(bad.get(i))));
            }
        }
    }

    private static String header(TestRecord<byte[], byte[]> r, String name) {
        Header h = r.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }
}
