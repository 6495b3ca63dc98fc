package io.iommutracker.streams.topology;

import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.processor.internals.DefaultKafkaClientSupplier;

/**
 * Counts the producer flushes that completed on each thread: the only sign a processor can have, under
 * at_least_once, that the records it forwarded have reached the broker.
 *
 * <p>Kafka Streams commits a task in this order: the record cache is flushed (the stores' changelog records are sent),
 * the thread's producer is flushed (every record sent so far, outputs and changelogs alike, is acknowledged or
 * failed), then the input offsets are committed. Without a transaction a crash inside the producer flush can leave a
 * changelog record on the broker and an output record sent before it not: a checkpoint that says "these events are
 * done" whose changes and alerts are lost. A processor that holds its store writes until a flush has completed after
 * its outputs ({@link WriteBehind}) never lets that happen. The stream thread both flushes its producer and runs
 * its processors, so a per-thread count is exactly the thread's producer's.
 *
 * <p>Used through {@link Supplier} (give it to {@code KafkaStreams}) together with {@link #COUNTED_CONFIG} = true in
 * the Streams configuration, which tells the processor the count can be trusted.
 */
public final class ProducerFlushes {

    /** Streams configuration key (passed through to processors): "true" when the producers are {@link Counting}. */
    public static final String COUNTED_CONFIG = "iommutracker.producer.flushes.counted";

    private static final ThreadLocal<long[]> COMPLETED = ThreadLocal.withInitial(() -> new long[1]);

    private ProducerFlushes() {
    }

    /** Producer flushes that returned normally on this thread so far. */
    static long completed() {
        return COMPLETED.get()[0];
    }

    /** Counts one completed flush on this thread (for {@link Counting}, and for tests that stand in for a producer). */
    static void countOne() {
        COMPLETED.get()[0]++;
    }

    /** Streams' default clients, with {@link Counting} producers. */
    public static class Supplier extends DefaultKafkaClientSupplier {
        @Override
        public Producer<byte[], byte[]> getProducer(Map<String, Object> config) {
            return new Counting(config);
        }
    }

    /** A producer whose flushes, once they return, are counted on the calling thread. */
    public static class Counting extends KafkaProducer<byte[], byte[]> {

        public Counting(Map<String, Object> config) {
            super(config, new ByteArraySerializer(), new ByteArraySerializer());
        }

        @Override
        public void flush() {
            flushUncounted();
            countOne();
        }

        /** A flush that is not counted: for a test's producer that fails between the flush and the count. */
        protected final void flushUncounted() {
            super.flush();
        }
    }
}
