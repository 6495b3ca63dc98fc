package io.iommutracker.streams.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.iommutracker.avro.HostView;
import io.iommutracker.kafka.KafkaFixture;
import io.iommutracker.schemas.AvroSerde;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.Test;

/**
 * The answer cache on a live instance: a repeated read is served from it, and a new view of the host is answered at
 * once (the cache entry no longer matches the stored bytes), never the cached answer of the old view.
 */
class RenderCacheApiTest {

    @Test
    void shouldServeRepeatedReadsFromTheCacheAndNeverAnOldView() throws Exception {
        ApiTestTopology.TopicNames topics = ApiTestTopology.TopicNames.unique("cache");
        try (Admin admin = Admin.create(KafkaFixture.clientProperties())) {
            admin.createTopics(Stream.of(topics.views(), topics.alerts(), topics.states())
                    .map(t -> new NewTopic(t, 2, (short) 1)).toList()).all().get();
        }
        String host = TestViews.host(4);
        try (KafkaProducer<String, HostView> p = producer();
             ApiInstance inst = ApiInstance.start("cache-" + topics.views().substring(6, 14), ApiTestTopology.build(topics), 0, -1)) {
            TwoInstanceApiTest.await("RUNNING", 90, () -> inst.streams.state() == KafkaStreams.State.RUNNING);
            p.send(new ProducerRecord<>(topics.views(), null, TestViews.T1.toEpochMilli(), host, TestViews.view(4, 1))).get();
            String url = inst.url() + "/api/v1/hosts/" + host + "/groups";
            TwoInstanceApiTest.await("host visible", 60, () -> Http.get(url).status() == 200);

            String first = Http.get(url).body();
            long hitsBefore = cacheHits(inst);
            assertThat(Http.get(url).body()).isEqualTo(first);
            assertThat(cacheHits(inst)).as("the repeated read was a cache hit").isEqualTo(hitsBefore + 1);
            assertThat(ids(Json.parse(first.getBytes()))).containsExactly(1, 2);

            // version 2 adds kernel group 3: the next read that sees it must not be the cached version-1 answer
            p.send(new ProducerRecord<>(topics.views(), null, TestViews.T2.toEpochMilli(), host, TestViews.view(4, 2))).get();
            TwoInstanceApiTest.await("version 2 answered", 60, () -> ids(Http.get(url).json()).size() == 3);
            for (int i = 0; i < 3; i++) {
                assertThat(ids(Http.get(url).json())).containsExactly(1, 2, 3);
            }
        }
    }

    private static List<Integer> ids(JsonNode groups) {
        List<Integer> out = new ArrayList<>();
        groups.path("groups").forEach(g -> out.add(g.path("id").asInt()));
        return out;
    }

    private static long cacheHits(ApiInstance inst) {
        for (String line : Http.get(inst.url() + "/metrics").body().split("\n")) {
            if (line.startsWith("iommu_api_render_cache_hits_total ")) {
                return (long) Double.parseDouble(line.substring(line.indexOf(' ') + 1));
            }
        }
        throw new AssertionError("no iommu_api_render_cache_hits_total in /metrics");
    }

    private static KafkaProducer<String, HostView> producer() {
        return new KafkaProducer<>(KafkaFixture.clientProperties(), Serdes.String().serializer(), new AvroSerde<>(HostView.class).serializer());
    }
}
