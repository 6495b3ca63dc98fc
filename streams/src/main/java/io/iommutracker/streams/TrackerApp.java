package io.iommutracker.streams;

import io.iommutracker.kafka.TopicSetup;
import io.iommutracker.schemas.Topic;
import io.iommutracker.schemas.Topics;
import io.iommutracker.streams.engine.EmulatorEngine;
import io.iommutracker.streams.engine.HostEngine;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** One running tracker instance: creates the topics it needs, then runs the topology until closed. */
public final class TrackerApp implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(TrackerApp.class);

    private final TrackerConfig config;
    private final HostEngine engine;
    private KafkaStreams streams;

    public TrackerApp(TrackerConfig config) {
        this(config, EmulatorEngine.INSTANCE);
    }

    public TrackerApp(TrackerConfig config, HostEngine engine) {
        this.config = config;
        this.engine = engine;
    }

    /** Topic specs for every topic of the registry. */
    public static List<TopicSetup.Spec> topicSpecs() {
        List<TopicSetup.Spec> specs = new ArrayList<>();
        for (Topic<?, ?> t : Topics.ALL) {
            specs.add(new TopicSetup.Spec(t.name(), t.partitions(), t.config()));
        }
        return specs;
    }

    /** Creates missing topics, then starts processing; returns at once (state goes REBALANCING → RUNNING). */
    public synchronized TrackerApp start() {
        if (streams != null) {
            throw new IllegalStateException("already started");
        }
        TopicSetup.Result r = TopicSetup.ensure(config.clientProperties(), topicSpecs(), config.topicReplicationFactor());
        log.info("topics created: {}, already present: {}", r.created(), r.existing());
        streams = new KafkaStreams(TrackerTopology.buildTopology(config, engine), config.streamsConfig());
        streams.setUncaughtExceptionHandler(e -> {
            log.error("stream thread failed; replacing it", e);
            return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.REPLACE_THREAD;
        });
        streams.start();
        return this;
    }

    public synchronized KafkaStreams streams() {
        if (streams == null) {
            throw new IllegalStateException("not started");
        }
        return streams;
    }

    public synchronized KafkaStreams.State state() {
        return streams == null ? KafkaStreams.State.CREATED : streams.state();
    }

    public TrackerConfig config() {
        return config;
    }

    @Override
    public synchronized void close() {
        if (streams != null) {
            // leaving the group lets the partitions move at once instead of after the session timeout
            streams.close(CloseOptions.groupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP)
                    .withTimeout(Duration.ofSeconds(30)));
        }
    }
}
