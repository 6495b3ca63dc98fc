package io.iommutracker.streams.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.streams.StreamsMetadata;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.processor.StateStoreContext;
import org.apache.kafka.streams.state.HostInfo;
import org.apache.kafka.streams.state.internals.StreamsMetadataImpl;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ActiveStoresTest {

    /** A store that is open until closed. */
    private static final class FakeStore implements StateStore {
        boolean open = true;

        @Override
        public String name() {
            return "host-views";
        }

        @Override
        public void init(StateStoreContext context, StateStore root) {
        }

        @Override
        public void close() {
            open = false;
        }

        @Override
        public boolean persistent() {
            return true;
        }

        @Override
        public boolean isOpen() {
            return open;
        }
    }

    private final List<StreamsMetadata> instances = new ArrayList<>();
    private final AtomicInteger lookups = new AtomicInteger();
    private boolean running = true;
    private long now = 0;
    private FakeStore current = new FakeStore();
    private boolean here = true;
    private final ActiveStores stores = new ActiveStores(new MetadataGeneration(() -> List.copyOf(instances)), () -> running,
            (name, p) -> {
                lookups.incrementAndGet();
                if (!here) {
                    throw new LocalStores.NotHere("not active here");
                }
                return current;
            }, () -> now);

    private static StreamsMetadata meta() {
        return new StreamsMetadataImpl(new HostInfo("a", 1), Set.of("host-views"), Set.of(new TopicPartition("t", 0)), Set.of(), Set.of());
    }

    @BeforeEach
    void oneInstance() {
        instances.add(meta());
    }

    @Test
    void keepsTheStoreWhileNothingChanged() {
        FakeStore first = current;
        assertThat(stores.get("host-views", 0)).isSameAs(first);
        now += ActiveStores.REVALIDATE_NANOS / 2;
        assertThat(stores.get("host-views", 0)).isSameAs(first);
        assertThat(lookups).hasValue(1);
        // another partition is another entry
        stores.get("host-views", 1);
        assertThat(lookups).hasValue(2);
    }

    @Test
    void looksAgainAfterARebalance() {
        stores.get("host-views", 0);
        instances.set(0, meta());
        here = false;
        assertThatThrownBy(() -> stores.get("host-views", 0)).isInstanceOf(LocalStores.NotHere.class);
        assertThat(lookups).hasValue(2);
    }

    @Test
    void looksAgainWhenTheStoreClosedOrTheInstanceIsNotRunningOrTheLookupIsOld() {
        FakeStore first = current;
        stores.get("host-views", 0);
        first.close();
        current = new FakeStore();
        assertThat(stores.get("host-views", 0)).isSameAs(current);
        assertThat(lookups).hasValue(2);

        running = false;
        stores.get("host-views", 0);
        stores.get("host-views", 0);
        assertThat(lookups).hasValue(4);

        running = true;
        stores.get("host-views", 0);
        assertThat(lookups).hasValue(4);
        now += ActiveStores.REVALIDATE_NANOS;
        stores.get("host-views", 0);
        assertThat(lookups).hasValue(5);
    }

    @Test
    void aFailedLookupIsNotKept() {
        here = false;
        assertThatThrownBy(() -> stores.get("host-views", 0)).isInstanceOf(LocalStores.NotHere.class);
        here = true;
        assertThat(stores.get("host-views", 0)).isSameAs(current);
        assertThat(lookups).hasValue(2);
    }
}
