package io.iommutracker.streams.api;

import io.iommutracker.avro.Alert;
import io.iommutracker.avro.HostView;
import io.iommutracker.kafka.KafkaFixture;
import io.iommutracker.schemas.AvroSerde;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Load benchmark of the query API (not a test: it prints figures; the name keeps it out of the default test run).
 * Loads {@code bench.hosts} host views (default 10,000) into one instance on the test broker, then runs
 * {@code wrk} against GET /api/v1/hosts/{host}/groups over uniformly random hosts and prints wrk's figures with
 * p50/p90/p99/p99.9 (closed loop: the throughput {@code bench.connections} connections reach), then
 * {@link OpenLoopLoad} at a fixed {@code bench.rate} (default 10,000 req/s) with latency from each request's due time.
 * Run through streams/bench/api-bench.sh.
 */
class ApiBench {

    private static final Logger log = LoggerFactory.getLogger(ApiBench.class);

    @Test
    @EnabledIfSystemProperty(named = "bench.run", matches = "true", disabledReason = "a benchmark: run by streams/bench/api-bench.sh")
    void groupsOfRandomHosts() throws Exception {
        int hosts = Integer.getInteger("bench.hosts", 10_000);
        int connections = Integer.getInteger("bench.connections", 16);
        int seconds = Integer.getInteger("bench.seconds", 20);
        int threads = Integer.getInteger("bench.apiThreads", 4);
        int rate = Integer.getInteger("bench.rate", 10_000);
        int openConnections = Integer.getInteger("bench.openConnections", 16);
        ApiTestTopology.TopicNames topics = ApiTestTopology.TopicNames.unique("bench");
        try (Admin admin = Admin.create(KafkaFixture.clientProperties())) {
            admin.createTopics(Stream.of(topics.views(), topics.alerts(), topics.states())
                    .map(t -> new NewTopic(t, 4, (short) 1)).toList()).all().get();
        }
        try (KafkaProducer<String, HostView> p = new KafkaProducer<>(loaderProperties(), Serdes.String().serializer(),
                new AvroSerde<>(HostView.class).serializer())) {
            for (int i = 0; i < hosts; i++) {
                p.send(new ProducerRecord<>(topics.views(), null, TestViews.T2.toEpochMilli(), TestViews.host(i), TestViews.view(i, 2)));
            }
        }
        try (KafkaProducer<String, Alert> p = new KafkaProducer<>(loaderProperties(), Serdes.String().serializer(),
                new AvroSerde<>(Alert.class).serializer())) {
            for (Alert a : TestViews.alerts(Math.min(hosts, 300))) {
                p.send(new ProducerRecord<>(topics.alerts(), a.getFingerprint(), a));
            }
        }
        String appId = "bench-" + topics.views().substring(6, 14);
        try (ApiInstance inst = ApiInstance.startWithThreads(appId, ApiTestTopology.build(topics), threads)) {
            TwoInstanceApiTest.await("RUNNING", 120, () -> inst.streams.state() == KafkaStreams.State.RUNNING);
            // the last hosts sent cover every partition, and a partition is applied in order: when they are all
            // there, so is the fleet. Key reads only: an IQv2 range scan racing the loading writes can deadlock
            // Kafka Streams 4.3 (KAFKA-19629)
            TwoInstanceApiTest.await("all " + hosts + " hosts loaded", 300, () -> java.util.stream.IntStream
                    .range(Math.max(0, hosts - 64), hosts).allMatch(i -> Http.get(inst.url() + "/api/v1/hosts/" + TestViews.host(i)).status() == 200));
            Path lua = KafkaFixture.tempDir("bench").resolve("random-groups.lua");
            Files.writeString(lua, luaScript(hosts), StandardCharsets.UTF_8);
            // warm-up: JIT and RocksDB block cache
            run(List.of("wrk", "-t2", "-c" + connections, "-d5s", "-s", lua.toString(), inst.url()));
            String out = run(List.of("wrk", "-t2", "-c" + connections, "-d" + seconds + "s", "--latency", "-s", lua.toString(), inst.url()));
            // open loop at a fixed rate, in its own JVM so that its allocations and GC are not the server's
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            String classes = Path.of(OpenLoopLoad.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
            out += run(List.of(java, "-Xmx256m", "-cp", classes, OpenLoopLoad.class.getName(), Integer.toString(inst.port),
                    Integer.toString(hosts), Integer.toString(rate), Integer.toString(seconds), Integer.toString(openConnections)));
            log.info("\n== api bench: {} hosts, {} connections, {} s, {} API threads ==\n{}", hosts, connections, seconds, threads, out);
            System.out.println("API-BENCH hosts=" + hosts + " connections=" + connections + " apiThreads=" + threads + "\n" + out
                    + "API-BENCH-END");
        }
    }

    /**
     * The loader right after topic creation: without idempotence and one request in flight. An idempotent producer
     * that meets a not-yet-ready partition can fall into OUT_OF_ORDER_SEQUENCE_NUMBER retries for good, and the
     * fleet never loads; order does not matter here (one record per host).
     */
    private static java.util.Properties loaderProperties() {
        java.util.Properties p = KafkaFixture.clientProperties();
        p.put("enable.idempotence", "false");
        p.put("max.in.flight.requests.per.connection", "1");
        p.put("acks", "all");
        return p;
    }

    static String luaScript(int hosts) {
        return """
                -- GET /api/v1/hosts/{host}/groups over uniformly random hosts of the loaded fleet
                math.randomseed(7)
                local hosts = %d
                request = function()
                  return wrk.format("GET", string.format("/api/v1/hosts/host-%%03d/groups", math.random(0, hosts - 1)))
                end
                local non200 = 0
                response = function(status, headers, body)
                  if status ~= 200 then non200 = non200 + 1 end
                end
                done = function(summary, latency, requests)
                  io.write(string.format("requests %%d in %%.1f s: %%.0f req/s; socket errors %%d; non-2xx/3xx %%d\\n",
                    summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
                    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
                    summary.errors.status))
                  for _, p in ipairs({50, 90, 99, 99.9}) do
                    io.write(string.format("p%%-5s %%8.3f ms\\n", tostring(p), latency:percentile(p) / 1000))
                  end
                  io.write(string.format("max    %%8.3f ms\\n", latency.max / 1000))
                end
                """.formatted(hosts);
    }

    private static String run(List<String> cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IllegalStateException(String.join(" ", cmd) + " failed:\n" + out);
        }
        return out;
    }
}
