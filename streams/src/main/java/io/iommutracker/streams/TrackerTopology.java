package io.iommutracker.streams;

import io.iommutracker.avro.Alert;
import io.iommutracker.avro.HostView;
import io.iommutracker.schemas.Topics;
import io.iommutracker.streams.engine.EmulatorEngine;
import io.iommutracker.streams.engine.HostEngine;
import io.iommutracker.streams.topology.EncodeOnce;
import io.iommutracker.streams.topology.HostProcessorSupplier;
import io.iommutracker.streams.topology.KafkaInputLog;
import io.iommutracker.streams.topology.Sinks;
import io.iommutracker.streams.topology.Ticks;
import java.util.Optional;
import java.util.Set;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.state.Stores;

/**
 * The tracker's topology, built in one place for the application and its tests:
 * {@code pci.telemetry.events} (raw bytes, decoded here so undecodable records reach the DLQ) → the per-host processor
 * with its five stores → {@code iommu.host.views}, {@code iommu.changes}, {@code iommu.alerts}, {@code pci.telemetry.dlq}.
 */
public final class TrackerTopology {

    private TrackerTopology() {
    }

    public static Topology buildTopology(TrackerConfig config) {
        return buildTopology(config, EmulatorEngine.INSTANCE);
    }

    public static Topology buildTopology(TrackerConfig config, HostEngine engine) {
        Topology t = new Topology();
        // one HostView object goes to the views store, the history store and the views topic: encode it once
        Serde<HostView> views = new EncodeOnce<>(Topics.HOST_VIEWS.valueSerde());
        // an alert record goes to its store and then to its topic: one encoding for both
        Serde<Alert> alerts = new EncodeOnce<>(Topics.ALERTS.valueSerde());
        t.addSource(Sinks.SOURCE, Serdes.ByteArray().deserializer(), Serdes.ByteArray().deserializer(),
                Topics.TELEMETRY.name());
        t.addProcessor(Sinks.PROCESSOR, new HostProcessorSupplier(engine, config.silentTimeout(),
                config.viewResolution(), config.evaluationWindow(), config.hostCache(), KafkaInputLog.INSTANCE),
                Sinks.SOURCE);
        // Record caches on the key-value stores: the several updates a hot host gets within one commit interval reach
        // RocksDB and the changelog as one write.
        // (The history store has no cache: every version is logged, hence at most one per host and view resolution.)
        t.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(StoreNames.HOST_STATE),
                Serdes.String(), Serdes.ByteArray()).withCachingEnabled(), Sinks.PROCESSOR);
        t.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(StoreNames.HOST_VIEWS),
                Serdes.String(), views).withCachingEnabled(), Sinks.PROCESSOR);
        t.addStateStore(ViewHistory.storeBuilder(config.historyRetention(), config.historySegment(), views),
                Sinks.PROCESSOR);
        t.addStateStore(Stores.<String, Alert>keyValueStoreBuilder(Stores.persistentKeyValueStore(StoreNames.ALERTS),
                Serdes.String(), alerts).withCachingEnabled(), Sinks.PROCESSOR);
        t.addSink(Sinks.DEAD_LETTER, Topics.DEAD_LETTER.name(), Serdes.ByteArray().serializer(),
                Serdes.ByteArray().serializer(), Sinks.PROCESSOR);
        t.addSink(Sinks.VIEWS, Topics.HOST_VIEWS.name(), Serdes.String().serializer(), views.serializer(), Sinks.PROCESSOR);
        t.addSink(Sinks.CHANGES, Topics.CHANGES.name(), Serdes.String().serializer(),
                Topics.CHANGES.valueSerde().serializer(), Sinks.PROCESSOR);
        t.addSink(Sinks.ALERTS, Topics.ALERTS.name(), Serdes.String().serializer(), alerts.serializer(), Sinks.PROCESSOR);
        // a tick goes back into the partition of the task that wrote it, which its key names
        t.addSink(Sinks.TICKS, Topics.TELEMETRY.name(), Serdes.ByteArray().serializer(), Serdes.ByteArray().serializer(),
                (topic, key, value, partitions) -> Optional.of(Set.of(Ticks.partitionOf(key) % partitions)),
                Sinks.PROCESSOR);
        return t;
    }

}
