package io.iommutracker.schemas;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaCompatibility.SchemaCompatibilityType;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.avro.specific.SpecificRecordBase;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class SchemaHistoryTest {

    static List<Topic<?, ?>> avroTopics() {
        return Topics.ALL.stream().filter(t -> t.valueSerde() instanceof AvroSerde<?>).toList();
    }

    @ParameterizedTest
    @MethodSource("avroTopics")
    void currentReaderReadsEveryKeptWriterVersion(Topic<?, ?> topic) {
        AvroSerde<?> serde = (AvroSerde<?>) topic.valueSerde();
        Schema reader = serde.schema();
        List<String> names = SchemaHistory.versionNames(reader.getName());
        assertThat(names).as("released versions of %s", reader.getName()).isNotEmpty();
        for (Schema writer : SchemaHistory.versions(reader.getName())) {
            var result = SchemaCompatibility.checkReaderWriterCompatibility(reader, writer);
            assertThat(result.getType()).as("%s reads %s: %s", reader.getName(), writer, result.getDescription())
                    .isEqualTo(SchemaCompatibilityType.COMPATIBLE);
        }
    }

    @ParameterizedTest
    @MethodSource("avroTopics")
    void newestReleasedVersionIsTheCurrentSchema(Topic<?, ?> topic) {
        // a schema change without a released history file would leave its writers' fingerprint unknown to readers
        // that only know the history, so the newest kept version must be exactly what the code writes
        Schema current = ((AvroSerde<?>) topic.valueSerde()).schema();
        List<Schema> kept = SchemaHistory.versions(current.getName());
        assertThat(kept.get(kept.size() - 1))
                .as("newest of %s in schema-history (release the change as the next vN.avsc)", current.getName())
                .isEqualTo(current);
    }

    @ParameterizedTest
    @MethodSource("avroTopics")
    void dataWrittenWithTheOldestVersionDecodes(Topic<?, ?> topic) throws Exception {
        @SuppressWarnings("unchecked")
        AvroSerde<SpecificRecordBase> serde = (AvroSerde<SpecificRecordBase>) topic.valueSerde();
        Schema oldest = SchemaHistory.versions(serde.schema().getName()).get(0);
        // the smallest valid record of the old schema, written as that version's producer would
        GenericData.Record rec = (GenericData.Record) MinimalRecords.of(oldest);
        BinaryMessageEncoder<GenericData.Record> enc = new BinaryMessageEncoder<>(GenericData.get(), oldest);
        byte[] bytes = enc.encode(rec).array();
        SpecificRecordBase decoded = serde.decode(topic.name(), bytes);
        assertThat(decoded.getSchema().getFullName()).isEqualTo(serde.schema().getFullName());
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        new GenericDatumWriter<>(oldest).write(rec, EncoderFactory.get().directBinaryEncoder(sink, null));
        assertThat(sink.size()).isPositive();
    }
}
