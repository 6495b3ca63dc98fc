package io.iommutracker.streams.topology;

import io.iommutracker.schemas.Topics.DlqHeaders;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;

/** Dead-letter records: the original key and value bytes, with why and where from in headers. */
public final class DeadLetters {

    private DeadLetters() {
    }

    /** Where the record failed: it could not be read, or it could not apply to the host. */
    public enum Stage { DECODE, SEQUENCE, APPLY }

    public static Record<byte[], byte[]> of(Record<byte[], byte[]> original, Optional<RecordMetadata> source, Stage stage,
                                            String reason) {
        Headers headers = new RecordHeaders(original.headers().toArray());
        put(headers, DlqHeaders.REASON, reason);
        put(headers, DlqHeaders.STAGE, stage.name());
        source.ifPresent(m -> {
            put(headers, DlqHeaders.SOURCE_TOPIC, m.topic());
            put(headers, DlqHeaders.SOURCE_PARTITION, Integer.toString(m.partition()));
            put(headers, DlqHeaders.SOURCE_OFFSET, Long.toString(m.offset()));
        });
        return new Record<>(original.key(), original.value(), original.timestamp(), headers);
    }

    private static void put(Headers headers, String name, String value) {
        headers.remove(name);
        headers.add(name, value.getBytes(StandardCharsets.UTF_8));
    }
}
