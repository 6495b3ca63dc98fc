package io.iommutracker.schemas;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import org.apache.avro.AvroRuntimeException;
import org.apache.avro.Schema;
import org.apache.avro.message.BadHeaderException;
import org.apache.avro.message.BinaryMessageDecoder;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.avro.message.MissingSchemaException;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * A Kafka serde for generated Avro records that needs no schema registry: values use Avro single-object
 * encoding (marker, 8-byte schema fingerprint, body), and every released writer schema kept under
 * {@code schema-history/} is registered with the decoder, so older data resolves against the current reader.
 *
 * <p>Decoding never returns a half-read record: any failure is a {@link SerializationException} naming the
 * topic and the reason.
 */
public final class AvroSerde<T extends SpecificRecordBase> implements Serde<T> {

    private final Class<T> type;
    private final Schema schema;
    private final BinaryMessageEncoder<T> encoder;
    private final BinaryMessageDecoder<T> decoder;

    public AvroSerde(Class<T> type) {
        this.type = type;
        this.schema = SpecificData.get().getSchema(type);
        this.encoder = new BinaryMessageEncoder<>(SpecificData.get(), schema);
        this.decoder = new BinaryMessageDecoder<>(SpecificData.get(), schema);
        for (Schema old : SchemaHistory.versions(schema.getName())) {
            decoder.addSchema(old);
        }
    }

    public Class<T> type() {
        return type;
    }

    public Schema schema() {
        return schema;
    }

    public byte[] encode(String topic, T value) {
        if (value == null) {
            return null;
        }
        try {
            ByteBuffer buf = encoder.encode(value);
            byte[] out = new byte[buf.remaining()];
            buf.get(out);
            return out;
        } catch (IOException | RuntimeException e) {
            throw new SerializationException("cannot encode " + schema.getName() + " for topic '" + topic + "': " + reason(e), e);
        }
    }

    public T decode(String topic, byte[] bytes) {
        if (bytes == null) {
            return null;
        }
        try {
            return decoder.decode(bytes);
        } catch (BadHeaderException e) {
            throw new SerializationException("topic '" + topic + "': not an Avro single-object encoded " + schema.getName()
                    + " (" + bytes.length + " bytes): " + reason(e), e);
        } catch (MissingSchemaException e) {
            throw new SerializationException("topic '" + topic + "': written with an unknown " + schema.getName()
                    + " schema (" + reason(e) + "); no kept writer version has that fingerprint", e);
        } catch (IOException | AvroRuntimeException | IndexOutOfBoundsException | NegativeArraySizeException
                 | ClassCastException | IllegalArgumentException e) {
            throw new SerializationException("topic '" + topic + "': malformed " + schema.getName() + " body ("
                    + bytes.length + " bytes): " + reason(e), e);
        }
    }

    private static String reason(Throwable e) {
        String m = e.getMessage();
        return e.getClass().getSimpleName() + (m == null ? "" : ": " + m);
    }

    @Override
    public Serializer<T> serializer() {
        return this::encode;
    }

    @Override
    public Deserializer<T> deserializer() {
        return this::decode;
    }

    /** The writer schemas this serde accepts, current last. */
    public List<Schema> acceptedWriterSchemas() {
        List<Schema> all = new java.util.ArrayList<>(SchemaHistory.versions(schema.getName()));
        all.add(schema);
        return all;
    }
}
