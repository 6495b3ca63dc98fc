package io.iommutracker.connectors.agent;

import io.iommutracker.avro.HostDescribed;
import io.iommutracker.avro.HostSnapshot;
import io.iommutracker.avro.IommuPlatform;
import io.iommutracker.avro.PciEvent;
import io.iommutracker.connectors.diff.HostEvents;
import io.iommutracker.connectors.diff.SnapshotDiff;
import io.iommutracker.emulator.format.CaptureParseException;
import io.iommutracker.emulator.format.Captures;
import io.iommutracker.schemas.Topics;
import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches the PCI devices of the machine it runs on (or of a root directory) and produces their events to Kafka itself.
 *
 * <p>It reads {@code <root>/sys/bus/pci/devices} with the sysfs capture reader every poll interval: Java cannot open a
 * udev / kobject-uevent netlink socket without native code, so changes are noticed by polling. The first capture of
 * a host yields HostDescribed then HostSnapshot; each later one the SnapshotDiff against the last delivered capture.
 * The producer is idempotent with acks=all, so its own retries never duplicate or reorder a host's events; the last
 * delivered sequence and snapshot are saved after every confirmed batch, so a restarted agent continues the sequence
 * and reports what changed while it was down.
 */
public final class HostAgent implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(HostAgent.class);
    static final String SOURCE = "agent";

    /** Where snapshots come from: the sysfs reader in production. */
    @FunctionalInterface
    interface CaptureSource {
        HostSnapshot capture() throws CaptureParseException, IOException;
    }

    private final AgentConfig config;
    private final CaptureSource captures;
    private final Clock clock;
    private Producer<String, byte[]> producer;
    private AgentState state;
    private Thread thread;

    HostAgent(AgentConfig config, CaptureSource captures, Clock clock) throws IOException {
        this.config = config;
        this.captures = captures;
        this.clock = clock;
        this.state = AgentState.load(config.stateDir(), config.hostId()).orElse(null);
    }

    public static HostAgent create(AgentConfig config) throws IOException {
        return new HostAgent(config, () -> capture(config), Clock.systemUTC());
    }

    /** Runs the agent in the calling thread until it is interrupted (the CLI's entry point). */
    public static void run(AgentConfig config) throws IOException, InterruptedException {
        try (HostAgent agent = create(config)) {
            log.info("host agent for {} reads {} every {} and produces to {} at {}", config.hostId(),
                    config.root().resolve("sys/bus/pci/devices"), config.pollInterval(), config.topic(),
                    config.bootstrapServers());
            agent.loop();
        }
    }

    /** Runs the agent in a background thread; {@link #close()} stops it. */
    public static HostAgent start(AgentConfig config) throws IOException {
        HostAgent agent = create(config);
        agent.thread = new Thread(() -> {
            try {
                agent.loop();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "host-agent-" + config.hostId());
        agent.thread.setDaemon(true);
        agent.thread.start();
        return agent;
    }

    private void loop() throws InterruptedException {
        while (!Thread.currentThread().isInterrupted()) {
            try {
                pollOnce();
            } catch (CaptureParseException | IOException e) {
                log.warn("host {}: capture of {} failed, next try in {}: {}", config.hostId(), config.root(),
                        config.pollInterval(), e.getMessage());
            } catch (DeliveryFailed e) {
                log.warn("host {}: delivery failed, the events are sent again next poll: {}", config.hostId(),
                        e.getMessage());
            }
            Thread.sleep(config.pollInterval().toMillis());
        }
    }

    /** The HostSnapshot of the configured root, host facts included (a HostDescribed of defaults when none are readable). */
    public static HostSnapshot capture(AgentConfig config) throws CaptureParseException, IOException {
        HostSnapshot s = Captures.read(List.of(config.root()));
        if (s.getHost() == null) {
            s = HostSnapshot.newBuilder(s).setHost(HostDescribed.newBuilder().setPlatform(IommuPlatform.NONE).build()).build();
        }
        return s;
    }

    /** Thrown when Kafka did not confirm every event; nothing is remembered, so the next poll sends them again. */
    static final class DeliveryFailed extends RuntimeException {
        DeliveryFailed(String m, Throwable cause) {
            super(m, cause);
        }
    }

    /** Reads the devices once and delivers what changed; returns the events delivered. */
    public List<PciEvent> pollOnce() throws CaptureParseException, IOException {
        HostSnapshot now = captures.capture();
        List<Object> payloads;
        long last;
        if (state == null) {
            payloads = List.of(now.getHost() != null ? now.getHost() : HostDescribed.newBuilder().setPlatform(IommuPlatform.NONE).build(), now);
            last = 0;
        } else {
            payloads = SnapshotDiff.diff(state.snapshot(), now);
            last = state.sequence();
        }
        if (payloads.isEmpty()) {
            return List.of();
        }
        List<PciEvent> events = HostEvents.number(config.hostId(), SOURCE, Instant.now(clock), last, payloads);
        deliver(events);
        state = new AgentState(events.get(events.size() - 1).getSequence(), now);
        state.save(config.stateDir(), config.hostId());
        log.info("host {}: delivered {} event(s), sequences {}..{}", config.hostId(), events.size(),
                events.get(0).getSequence(), state.sequence());
        return events;
    }

    private void deliver(List<PciEvent> events) {
        if (producer == null) {
            producer = newProducer();
        }
        try {
            List<Future<RecordMetadata>> sent = events.stream()
                    .map(e -> producer.send(new ProducerRecord<>(config.topic(), config.hostId(),
                            Topics.TELEMETRY.valueSerde().serializer().serialize(config.topic(), e))))
                    .toList();
            producer.flush();
            for (Future<RecordMetadata> f : sent) {
                f.get();
            }
        } catch (ExecutionException | RuntimeException e) {
            // a failed idempotent producer cannot be trusted with the next batch: start afresh
            producer.close(java.time.Duration.ofSeconds(5));
            producer = null;
            throw new DeliveryFailed(e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DeliveryFailed("interrupted", e);
        }
    }

    private Producer<String, byte[]> newProducer() {
        Properties p = new Properties();
        p.putAll(config.producerOverrides());
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.putIfAbsent(ProducerConfig.CLIENT_ID_CONFIG, "iommu-agent-" + config.hostId());
        p.putIfAbsent(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "60000");
        return new KafkaProducer<>(p, new StringSerializer(), new org.apache.kafka.common.serialization.ByteArraySerializer());
    }

    /** The producer settings the agent enforces, for documentation and tests. */
    public static Map<String, String> enforcedProducerSettings() {
        return Map.of(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true", ProducerConfig.ACKS_CONFIG, "all");
    }

    @Override
    public void close() {
        if (thread != null) {
            thread.interrupt();
            try {
                thread.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (producer != null) {
            producer.close(java.time.Duration.ofSeconds(10));
            producer = null;
        }
    }
}
