package io.iommutracker.streams.it;

import io.iommutracker.schemas.Topics;
import io.iommutracker.streams.topology.ProducerFlushes;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;

/**
 * The failure at_least_once must survive, made to happen: from the first completed flush after it sent
 * {@code armAfter} output records, records for the tracker's output topics are no longer sent (as if still in
 * flight), while changelog records are; at the next flush (a commit) the changelog records sent so far reach the
 * broker and the JVM halts, before the input position is committed. The process exits with {@link #EXIT_CODE}.
 */
final class LosingProducer extends ProducerFlushes.Counting {

    static final int EXIT_CODE = 3;
    private static final Set<String> OUTPUTS = Set.of(Topics.CHANGES.name(), Topics.ALERTS.name(),
            Topics.HOST_VIEWS.name(), Topics.DEAD_LETTER.name());

    private final int armAfter;
    private int sent;
    private boolean armed;
    private int flushes;
    private int held;

    LosingProducer(Map<String, Object> config, int armAfter) {
        super(config);
        this.armAfter = armAfter;
    }

    @Override
    public synchronized Future<RecordMetadata> send(ProducerRecord<byte[], byte[]> record, Callback callback) {
        if (OUTPUTS.contains(record.topic())) {
            if (armed) {
                held++;
                return new CompletableFuture<>();
            }
            sent++;
        }
        return super.send(record, callback);
    }

    @Override
    public void flush() {
        synchronized (this) {
            if (armed && held > 0) {
                flushUncounted();
                System.out.println("LosingProducer: halting inside flush " + (flushes + 1) + " with " + held
                        + " output records never sent; the changelog records sent before it are on the broker");
                System.out.flush();
                Runtime.getRuntime().halt(EXIT_CODE);
            }
        }
        super.flush();
        synchronized (this) {
            flushes++;
            armed |= sent >= armAfter;
        }
    }

    /** Clients whose producers lose their outputs once they sent {@code armAfter} and a flush completed. */
    static ProducerFlushes.Supplier supplier(int armAfter) {
        return new ProducerFlushes.Supplier() {
            @Override
            public Producer<byte[], byte[]> getProducer(Map<String, Object> config) {
                return new LosingProducer(config, armAfter);
            }
        };
    }
}
