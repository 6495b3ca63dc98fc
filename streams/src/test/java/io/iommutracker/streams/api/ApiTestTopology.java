package io.iommutracker.streams.api;

import io.iommutracker.avro.Alert;
import io.iommutracker.avro.HostView;
import io.iommutracker.schemas.AvroSerde;
import io.iommutracker.streams.StoreNames;
import io.iommutracker.streams.ViewHistory;
import java.time.Duration;
import java.util.function.Function;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.ProcessorSupplier;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.Stores;
import org.apache.kafka.streams.state.WindowStore;

/**
 * A stand-in for the tracker's topology that materialises the API's store contract (StoreNames) straight from
 * topics the tests fill: host views (latest and versioned), alerts by fingerprint, and opaque host states.
 */
final class ApiTestTopology {

    record TopicNames(String views, String alerts, String states) {
        static TopicNames unique(String prefix) {
            String id = prefix + "-" + java.util.UUID.randomUUID().toString().substring(0, 8);
            return new TopicNames(id + "-views", id + "-alerts", id + "-states");
        }
    }

    private ApiTestTopology() {
    }

    static Topology build(TopicNames t) {
        StreamsBuilder b = new StreamsBuilder();
        AvroSerde<HostView> views = new AvroSerde<>(HostView.class);
        KStream<String, HostView> s = b.stream(t.views(), Consumed.with(Serdes.String(), views));
        s.toTable(Named.as("views-latest"), Materialized.<String, HostView>as(Stores.persistentKeyValueStore(StoreNames.HOST_VIEWS))
                .withKeySerde(Serdes.String()).withValueSerde(views));
        // the history as the tracker keeps it: a version per record at its timestamp, a tombstone as GONE
        b.addStateStore(ViewHistory.storeBuilder(Duration.ofDays(3650), Duration.ofDays(3650 / 2), views));
        s.process(historyWriter(r -> r.value() == null ? ViewHistory.GONE : r.value()), Named.as("views-history"),
                StoreNames.HOST_VIEW_HISTORY);
        b.table(t.alerts(), Consumed.with(Serdes.String(), new AvroSerde<>(Alert.class)),
                Materialized.<String, Alert>as(Stores.persistentKeyValueStore(StoreNames.ALERTS))
                        .withKeySerde(Serdes.String()).withValueSerde(new AvroSerde<>(Alert.class)));
        b.table(t.states(), Consumed.with(Serdes.String(), Serdes.ByteArray()),
                Materialized.<String, byte[]>as(Stores.persistentKeyValueStore(StoreNames.HOST_STATE))
                        .withKeySerde(Serdes.String()).withValueSerde(Serdes.ByteArray()));
        return b.build();
    }

    /** A processor writing each record's version, {@code toView} of it, into the view history at its timestamp. */
    static <V> ProcessorSupplier<String, V, Void, Void> historyWriter(Function<Record<String, V>, HostView> toView) {
        return () -> new Processor<>() {
            private WindowStore<String, HostView> history;

            @Override
            public void init(ProcessorContext<Void, Void> context) {
                history = context.getStateStore(StoreNames.HOST_VIEW_HISTORY);
            }

            @Override
            public void process(Record<String, V> r) {
                history.put(r.key(), toView.apply(r), r.timestamp());
            }
        };
    }
}
