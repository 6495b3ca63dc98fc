package io.iommutracker.streams.api;

import io.iommutracker.kafka.KafkaFixture;
import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.Properties;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;

/** One tracker instance for tests: Kafka Streams on the test broker plus its query API on a free loopback port. */
final class ApiInstance implements AutoCloseable {

    final KafkaStreams streams;
    final ApiServer api;
    final int port;
    private boolean streamsClosed;

    private ApiInstance(KafkaStreams streams, ApiServer api, int port) {
        this.streams = streams;
        this.api = api;
        this.port = port;
    }

    static ApiInstance startWithThreads(String appId, Topology topology, int apiThreads) {
        return start(appId, topology, 0, -1, apiThreads);
    }

    static ApiInstance start(String appId, Topology topology, int standbys, long defaultMaxLagMs) {
        return start(appId, topology, standbys, defaultMaxLagMs, 4);
    }

    static ApiInstance start(String appId, Topology topology, int standbys, long defaultMaxLagMs, int apiThreads) {
        int port = freePort();
        Properties p = new Properties();
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, appId);
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, KafkaFixture.bootstrapServers());
        p.put(StreamsConfig.APPLICATION_SERVER_CONFIG, "127.0.0.1:" + port);
        p.put(StreamsConfig.STATE_DIR_CONFIG, KafkaFixture.tempDir("api-state").toString());
        p.put(StreamsConfig.NUM_STANDBY_REPLICAS_CONFIG, standbys);
        p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 100);
        p.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, 0);
        p.put(StreamsConfig.consumerPrefix("session.timeout.ms"), 6000);
        p.put(StreamsConfig.consumerPrefix("heartbeat.interval.ms"), 1000);
        p.put(StreamsConfig.consumerPrefix("auto.offset.reset"), "earliest");
        KafkaStreams streams = new KafkaStreams(topology, p);
        streams.start();
        ApiServer api = ApiServer.start(streams, ApiConfig.of("127.0.0.1", port).withDefaultMaxLagMs(defaultMaxLagMs).withThreads(apiThreads));
        return new ApiInstance(streams, api, port);
    }

    String address() {
        return "127.0.0.1:" + port;
    }

    String url() {
        return "http://127.0.0.1:" + port;
    }

    /** Stops Kafka Streams, leaving the group at once so the others rebalance without waiting for a session timeout. */
    void closeStreams() {
        if (!streamsClosed) {
            streams.close(CloseOptions.groupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP)
                    .withTimeout(Duration.ofSeconds(20)));
            streamsClosed = true;
        }
    }

    static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        api.close();
        closeStreams();
    }
}
