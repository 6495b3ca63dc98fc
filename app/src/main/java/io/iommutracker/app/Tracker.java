package io.iommutracker.app;

import io.iommutracker.kafka.EmbeddedKafka;
import io.iommutracker.kafka.TopicSetup;
import io.iommutracker.schemas.Topic;
import io.iommutracker.schemas.Topics;
import io.iommutracker.streams.TrackerApp;
import io.iommutracker.streams.TrackerConfig;
import io.iommutracker.streams.api.ApiServer;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.streams.KafkaStreams;

/** What run and demo start: Kafka (embedded or given), the topics, the Streams app and the query API. */
final class Tracker implements AutoCloseable {

    final EmbeddedKafka broker;
    final String bootstrap;
    final Properties client;
    final TrackerApp app;
    final ApiServer api;
    private final List<AutoCloseable> extras = new ArrayList<>();

    private Tracker(EmbeddedKafka broker, String bootstrap, Properties client, TrackerApp app, ApiServer api) {
        this.broker = broker;
        this.bootstrap = bootstrap;
        this.client = client;
        this.app = app;
        this.api = api;
    }

    static Tracker start(KafkaOptions kafka, TrackerOptions opts, PrintWriter out) {
        EmbeddedKafka broker = null;
        String bootstrap = kafka.bootstrapServers;
        if (kafka.embedded()) {
            broker = kafka.startEmbedded();
            bootstrap = broker.bootstrapServers();
            out.println("embedded Kafka broker: " + bootstrap + " (data in " + broker.dataDir() + ")");
        } else {
            out.println("Kafka cluster: " + bootstrap);
        }
        out.flush();
        try {
            Properties client = kafka.clientProperties(bootstrap);
            TopicSetup.Result topics = TopicSetup.ensure(client, RunCommand.specs(opts.partitions), kafka.replicationFactor);
            for (Topic<?, ?> t : Topics.ALL) {
                String state = topics.created().contains(t.name()) ? "created" : "exists ";
                out.printf("topic %-22s %s  %s%n", t.name(), state, t.config());
            }
            int port = opts.resolvePort();
            TrackerConfig cfg = opts.trackerConfig(bootstrap, kafka.dataDir, kafka, port);
            TrackerApp app = new TrackerApp(cfg).start();
            out.printf("streams application %s started (%s, state in %s)%n", cfg.applicationId(), cfg.processingGuarantee(),
                    cfg.stateDir());
            ApiServer api = ApiServer.start(app.streams(), opts.apiConfig(port));
            out.printf("query API: %s/api/v1 (OpenAPI at %s/api/v1/openapi.json)%n", api.url(), api.url());
            out.flush();
            return new Tracker(broker, bootstrap, client, app, api);
        } catch (RuntimeException e) {
            if (broker != null) {
                broker.close();
            }
            throw e;
        }
    }

    /** Waits until Streams is RUNNING (or gives up after the timeout). */
    boolean awaitRunning(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (app.state() == KafkaStreams.State.RUNNING) {
                return true;
            }
            Thread.sleep(100);
        }
        return false;
    }

    void closeWithIt(AutoCloseable c) {
        extras.add(0, c);
    }

    @Override
    public void close() {
        for (AutoCloseable c : extras) {
            try {
                c.close();
            } catch (Exception ignored) {
                // best effort on the way out
            }
        }
        api.close();
        app.close();
        if (broker != null) {
            broker.close();
        }
    }
}
