package io.iommutracker.streams.topology;

import java.util.Map;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * A serde that encodes the same value instance once: the processor hands one {@code HostView} object to the views
 * store, the history store and the views sink, and each would otherwise run the Avro encoder over it. The last
 * (instance, bytes) pair is remembered by identity, so only that very object hits; values must not be mutated after
 * their first encoding (the processor never does). Safe across stream threads: a racing thread just misses.
 */
public final class EncodeOnce<T> implements Serde<T> {

    private final Serde<T> inner;
    private final Serializer<T> serializer;
    private volatile Last last;

    private record Last(Object value, byte[] bytes) {
    }

    public EncodeOnce(Serde<T> inner) {
        this.inner = inner;
        Serializer<T> s = inner.serializer();
        this.serializer = new Serializer<>() {
            @Override
            public byte[] serialize(String topic, T value) {
                return encode(s, topic, value);
            }

            @Override
            public byte[] serialize(String topic, Headers headers, T value) {
                return encode(s, topic, value);
            }
        };
    }

    private byte[] encode(Serializer<T> s, String topic, T value) {
        if (value == null) {
            return null;
        }
        Last l = last;
        if (l != null && l.value() == value) {
            return l.bytes();
        }
        byte[] bytes = s.serialize(topic, value);
        last = new Last(value, bytes);
        return bytes;
    }

    @Override
    public void configure(Map<String, ?> configs, boolean isKey) {
        inner.configure(configs, isKey);
    }

    @Override
    public Serializer<T> serializer() {
        return serializer;
    }

    @Override
    public Deserializer<T> deserializer() {
        return inner.deserializer();
    }
}
