package io.iommutracker.streams.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.streams.KeyQueryMetadata;
import org.apache.kafka.streams.StreamsMetadata;
import org.apache.kafka.streams.state.HostInfo;
import org.apache.kafka.streams.state.internals.StreamsMetadataImpl;
import org.junit.jupiter.api.Test;

class KeyOwnersTest {

    private static final HostInfo A = new HostInfo("a", 1);
    private static final HostInfo B = new HostInfo("b", 2);

    private final List<StreamsMetadata> instances = new ArrayList<>();
    private final AtomicInteger lookups = new AtomicInteger();
    private HostInfo owner = A;
    private final KeyOwners owners = new KeyOwners(new MetadataGeneration(() -> List.copyOf(instances)), host -> {
        lookups.incrementAndGet();
        return owner == null ? KeyQueryMetadata.NOT_AVAILABLE : new KeyQueryMetadata(owner, Set.of(), host.length() % 4);
    });

    private static StreamsMetadata meta(HostInfo h, int partition) {
        return new StreamsMetadataImpl(h, Set.of("host-views"), Set.of(new TopicPartition("t", partition)), Set.of(), Set.of());
    }

    @Test
    void answersFromTheCacheUntilTheMetadataObjectsAreReplaced() {
        instances.add(meta(A, 0));
        assertThat(owners.of("host-1").activeHost()).isEqualTo(A);
        assertThat(owners.of("host-1").activeHost()).isEqualTo(A);
        assertThat(lookups).hasValue(1);

        // a rebalance: Kafka Streams rebuilds its metadata objects, even when they are equal to the old ones
        owner = B;
        instances.set(0, meta(A, 0));
        assertThat(owners.of("host-1").activeHost()).isEqualTo(B);
        assertThat(lookups).hasValue(2);
        assertThat(owners.of("host-1").activeHost()).isEqualTo(B);
        assertThat(lookups).hasValue(2);
    }

    @Test
    void neverKeepsAnUnavailableAnswer() {
        instances.add(meta(A, 0));
        owner = null;
        assertThat(owners.of("host-1")).isSameAs(KeyQueryMetadata.NOT_AVAILABLE);
        owner = A;
        assertThat(owners.of("host-1").activeHost()).isEqualTo(A);
        assertThat(lookups).hasValue(2);
    }

    @Test
    void withoutMetadataEveryReadIsALookup() {
        owners.of("host-1");
        owners.of("host-1");
        assertThat(lookups).hasValue(2);
    }
}
