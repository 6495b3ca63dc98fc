package io.iommutracker.streams;

import io.iommutracker.kafka.TopicSetup;
import io.iommutracker.schemas.Topic;
import io.iommutracker.schemas.Topics;
import io.iommutracker.streams.engine.EmulatorEngine;
import io.iommutracker.streams.engine.HostEngine;
import io.iommutracker.streams.topology.ProducerFlushes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.DescribeTopicsOptions;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.acl.AclOperation;
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
    private final ProducerFlushes.Supplier clients;
    private KafkaStreams streams;

    public TrackerApp(TrackerConfig config) {
        this(config, EmulatorEngine.INSTANCE);
    }

    public TrackerApp(TrackerConfig config, HostEngine engine) {
        this(config, engine, new ProducerFlushes.Supplier());
    }

    /**
     * With clients of the caller's making (a test's failing producer, a wrapper of the embedder's); its producers
     * count their flushes, which the processor needs under at_least_once ({@link ProducerFlushes}).
     */
    public TrackerApp(TrackerConfig config, HostEngine engine, ProducerFlushes.Supplier clients) {
        this.config = config;
        this.engine = engine;
        this.clients = clients;
    }

    /** The Streams configuration this instance runs with: the config's, and that its producers count flushes. */
    static Properties streamsConfig(TrackerConfig config) {
        Properties p = config.streamsConfig();
        p.put(ProducerFlushes.COUNTED_CONFIG, "true");
        return p;
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
        if (!config.evaluationWindow().isZero()) {
            requireTickWrites();
        }
        streams = new KafkaStreams(TrackerTopology.buildTopology(config, engine), streamsConfig(config), clients);
        streams.setUncaughtExceptionHandler(e -> {
            log.error("stream thread failed; replacing it", e);
            return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.REPLACE_THREAD;
        });
        streams.start();
        return this;
    }

    /**
     * With an evaluation window, an idle task writes ticks into its partition of the telemetry topic; a principal that
     * may only read it would fail the first transaction that holds one. The broker's answer is checked now, so that
     * the error names the cause; a broker that does not say (or cannot be asked in time) is not held against the start.
     */
    private void requireTickWrites() {
        String topic = Topics.TELEMETRY.name();
        try (Admin admin = Admin.create(config.clientProperties())) {
            TopicDescription d = admin.describeTopics(List.of(topic),
                    new DescribeTopicsOptions().includeAuthorizedOperations(true)).allTopicNames().get(30, TimeUnit.SECONDS)
                    .get(topic);
            String refusal = tickWriteRefusal(d == null ? null : d.authorizedOperations());
            if (refusal != null) {
                throw new IllegalStateException(refusal);
            }
        } catch (ExecutionException | TimeoutException e) {
            log.warn("could not ask the broker whether this principal may write evaluation ticks into {}: {}", topic,
                    e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while checking the permissions on " + topic, e);
        }
    }

    /** Why the operations a principal may perform on the telemetry topic do not allow ticks, or null when they do. */
    static String tickWriteRefusal(Set<AclOperation> operations) {
        if (operations == null || operations.isEmpty() || operations.contains(AclOperation.WRITE)
                || operations.contains(AclOperation.ALL)) {
            return null; // allowed, or the broker did not say
        }
        return "evaluation window set, but this principal may not WRITE to " + Topics.TELEMETRY.name()
                + " (allowed: " + new java.util.TreeSet<>(operations) + "): idle tasks write evaluation ticks into it. "
                + "Grant WRITE on the topic, or set the evaluation window to 0 (--evaluation-window 0ms)";
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
