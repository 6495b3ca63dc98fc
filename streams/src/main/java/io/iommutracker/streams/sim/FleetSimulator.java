package io.iommutracker.streams.sim;

import io.iommutracker.avro.PciEvent;
import io.iommutracker.schemas.AvroSerde;
import io.iommutracker.schemas.Topics;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A simulated fleet feeding {@code pci.telemetry.events}: GPU servers behind PCIe switches, NVMe JBOFs, SR-IOV NICs and
 * Thunderbolt laptops that hot-plug, move BARs, flip ACS, hand devices to VMs, report DMA mappings, and now and then send
 * a bad record (garbage bytes, or an event naming a BDF the host does not have). Deterministic for a given seed and
 * clock, so tests and benchmarks can generate the same stream twice.
 */
public final class FleetSimulator {

    private static final Logger log = LoggerFactory.getLogger(FleetSimulator.class);
    private static final AvroSerde<PciEvent> EVENTS = (AvroSerde<PciEvent>) Topics.TELEMETRY.valueSerde();

    /**
     * @param hosts           fleet size (about 200 for the demo)
     * @param eventsPerSecond target production rate of {@link #run}
     * @param garbageRatio    share of records that are not Avro at all
     * @param unknownBdfRatio share of events naming a device the host does not have
     * @param gapRatio        share of events preceded by a lost one (a sequence gap the host heals with a snapshot)
     * @param silenceRatio    share of events after which the chosen host goes quiet for {@code silence}
     * @param silence         how long a quiet host sends nothing, in event time
     */
    public record Options(int hosts, double eventsPerSecond, long seed, double garbageRatio, double unknownBdfRatio,
                          String namespace, double gapRatio, double silenceRatio, Duration silence) {
        public static Options defaults() {
            // at the demo's 500 events/s: a gap every few seconds, a host going quiet for 12 minutes every 40 s or so
            return new Options(200, 500, 42, 0.002, 0.002, "", 0.0005, 0.00005, Duration.ofMinutes(12));
        }

        /** Prefixes every host id, so several fleets can share one cluster. */
        public Options withNamespace(String prefix) {
            return new Options(hosts, eventsPerSecond, seed, garbageRatio, unknownBdfRatio, prefix, gapRatio, silenceRatio, silence);
        }

        public Options withHosts(int n) {
            return new Options(n, eventsPerSecond, seed, garbageRatio, unknownBdfRatio, namespace, gapRatio, silenceRatio, silence);
        }

        public Options withRate(double perSecond) {
            return new Options(hosts, perSecond, seed, garbageRatio, unknownBdfRatio, namespace, gapRatio, silenceRatio, silence);
        }

        public Options withBadRecords(double garbage, double unknownBdf) {
            return new Options(hosts, eventsPerSecond, seed, garbage, unknownBdf, namespace, gapRatio, silenceRatio, silence);
        }

        public Options withSeed(long newSeed) {
            return new Options(hosts, eventsPerSecond, newSeed, garbageRatio, unknownBdfRatio, namespace, gapRatio, silenceRatio, silence);
        }

        public Options withGaps(double ratio) {
            return new Options(hosts, eventsPerSecond, seed, garbageRatio, unknownBdfRatio, namespace, ratio, silenceRatio, silence);
        }

        public Options withSilences(double ratio, Duration length) {
            return new Options(hosts, eventsPerSecond, seed, garbageRatio, unknownBdfRatio, namespace, gapRatio, ratio, length);
        }
    }

    /** One record to produce: key and value bytes, and the event time used as the record timestamp. */
    public record SimRecord(String hostId, byte[] key, byte[] value, long timestamp, PciEvent event) {
        public boolean garbage() {
            return event == null;
        }
    }

    private final Options options;
    private final List<SimHost> hosts = new ArrayList<>();
    private final Random random;
    private final AtomicLong produced = new AtomicLong();
    private volatile boolean stopped;

    public FleetSimulator(Options options) {
        this.options = options;
        this.random = new Random(options.seed());
        HostKind[] mix = {HostKind.GPU_SERVER, HostKind.GPU_SERVER, HostKind.NVME_JBOF, HostKind.SRIOV_NIC,
                HostKind.SRIOV_NIC, HostKind.TB_LAPTOP, HostKind.GPU_SERVER, HostKind.NVME_JBOF, HostKind.ARM_SERVER};
        for (int i = 0; i < options.hosts(); i++) {
            HostKind kind = mix[i % mix.length];
            hosts.add(new SimHost(options.namespace() + String.format("%s-%04d", kind.name().toLowerCase().replace('_', '-'), i), kind,
                    options.seed() * 31 + i));
        }
    }

    /** The payloads a freshly booted host of this kind reports: its description, then every device. */
    public static List<Object> bootstrapPayloads(HostKind kind) {
        return new SimHost("bootstrap", kind, 0).bootstrap();
    }

    public List<String> hostIds() {
        return hosts.stream().map(h -> h.hostId).toList();
    }

    /** The next record, stamped with event time {@code nowMillis}. */
    public SimRecord next(long nowMillis) {
        int start = random.nextInt(hosts.size());
        SimHost h = hosts.get(start);
        // a quiet host is passed over for the next one that may speak
        for (int i = 1; i < hosts.size() && h.quietUntil > nowMillis; i++) {
            h = hosts.get((start + i) % hosts.size());
        }
        if (h.quietUntil > nowMillis) {
            h = hosts.get(start); // every host is quiet: the drawn one speaks anyway
        }
        byte[] key = h.hostId.getBytes(StandardCharsets.UTF_8);
        if (random.nextDouble() < options.garbageRatio()) {
            byte[] junk = new byte[16 + random.nextInt(48)];
            random.nextBytes(junk);
            return new SimRecord(h.hostId, key, junk, nowMillis, null);
        }
        if (random.nextDouble() < options.gapRatio()) {
            h.loseAnEvent();
        }
        long sequence = h.nextSequence();
        PciEvent e = new PciEvent(h.hostId, sequence, Instant.ofEpochMilli(nowMillis), "simulator",
                h.nextPayload(options.unknownBdfRatio()));
        if (h.booted() && random.nextDouble() < options.silenceRatio()) {
            h.quietUntil = nowMillis + options.silence().toMillis();
        }
        return new SimRecord(h.hostId, key, EVENTS.encode(Topics.TELEMETRY.name(), e), nowMillis, e);
    }

    /** Idempotent, ordered producer settings over the given client properties. */
    public static Properties producerProperties(Properties client) {
        Properties p = new Properties();
        p.putAll(client);
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        return p;
    }

    public static ProducerRecord<byte[], byte[]> toProducerRecord(SimRecord r) {
        return new ProducerRecord<>(Topics.TELEMETRY.name(), null, r.timestamp(), r.key(), r.value());
    }

    /**
     * Produces at the target rate (wall-clock event times) until {@code duration} elapses or {@link #stop()} is called.
     *
     * @return how many records were sent
     */
    public long run(Properties clientProperties, Duration duration) {
        long end = System.nanoTime() + duration.toNanos();
        long intervalNanos = (long) (1e9 / Math.max(1e-3, options.eventsPerSecond()));
        long due = System.nanoTime();
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(producerProperties(clientProperties))) {
            while (!stopped && System.nanoTime() < end) {
                long wait = due - System.nanoTime();
                if (wait > 0) {
                    LockSupport.parkNanos(wait);
                }
                producer.send(toProducerRecord(next(System.currentTimeMillis())), (md, ex) -> {
                    if (ex != null) {
                        log.error("simulator could not produce", ex);
                    }
                });
                produced.incrementAndGet();
                due += intervalNanos;
            }
            producer.flush();
        }
        return produced.get();
    }

    public long produced() {
        return produced.get();
    }

    public void stop() {
        stopped = true;
    }
}
