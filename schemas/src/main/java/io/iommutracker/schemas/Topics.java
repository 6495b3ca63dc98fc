package io.iommutracker.schemas;

import io.iommutracker.avro.Alert;
import io.iommutracker.avro.HostView;
import io.iommutracker.avro.IommuChange;
import io.iommutracker.avro.PciEvent;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.serialization.Serdes;

/** The typed registry of every topic of ARCHITECTURE.md section 5: no topic name is a literal elsewhere. */
public final class Topics {

    private Topics() {
    }

    /** Default partition count: hosts are keys, so this bounds how many instances share the work. */
    public static final int DEFAULT_PARTITIONS = 8;

    private static final String FOREVER = "-1";
    private static final String DAYS_30 = String.valueOf(30L * 24 * 3600 * 1000);
    private static final String DAYS_90 = String.valueOf(90L * 24 * 3600 * 1000);

    public static final Topic<String, PciEvent> TELEMETRY = new Topic<>("pci.telemetry.events",
            Serdes.String(), new AvroSerde<>(PciEvent.class), DEFAULT_PARTITIONS,
            Map.of("cleanup.policy", "delete", "retention.ms", FOREVER, "retention.bytes", "-1"),
            "PciEvent per host (key = host id): the system of record, kept forever");

    public static final Topic<byte[], byte[]> DEAD_LETTER = new Topic<>("pci.telemetry.dlq",
            Serdes.ByteArray(), Serdes.ByteArray(), DEFAULT_PARTITIONS,
            Map.of("cleanup.policy", "delete", "retention.ms", DAYS_90),
            "original key and value bytes of telemetry that could not be decoded or applied; the reason in headers");

    public static final Topic<String, HostView> HOST_VIEWS = new Topic<>("iommu.host.views",
            Serdes.String(), new AvroSerde<>(HostView.class), DEFAULT_PARTITIONS,
            Map.of("cleanup.policy", "compact", "min.compaction.lag.ms", "60000"),
            "HostView per host (both views), compacted; a tombstone when a host is decommissioned");

    public static final Topic<String, IommuChange> CHANGES = new Topic<>("iommu.changes",
            Serdes.String(), new AvroSerde<>(IommuChange.class), DEFAULT_PARTITIONS,
            Map.of("cleanup.policy", "delete", "retention.ms", DAYS_90),
            "IommuChange per host: group formed / split / merged / device moved, regions, usable IOVA");

    public static final Topic<String, Alert> ALERTS = new Topic<>("iommu.alerts",
            Serdes.String(), new AvroSerde<>(Alert.class), DEFAULT_PARTITIONS,
            Map.of("cleanup.policy", "compact,delete", "retention.ms", DAYS_30),
            "Alert lifecycle records (key = fingerprint): firing, then resolved");

    public static final List<Topic<?, ?>> ALL = List.of(TELEMETRY, DEAD_LETTER, HOST_VIEWS, CHANGES, ALERTS);

    /** Header names on dead-letter records. */
    public static final class DlqHeaders {
        private DlqHeaders() {
        }

        public static final String REASON = "iommu.dlq.reason";
        public static final String STAGE = "iommu.dlq.stage";
        public static final String SOURCE_TOPIC = "iommu.dlq.source.topic";
        public static final String SOURCE_PARTITION = "iommu.dlq.source.partition";
        public static final String SOURCE_OFFSET = "iommu.dlq.source.offset";
    }
}
