package io.iommutracker.streams.topology;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class WriteBehindTest {

    @Test
    void shouldRunAWriteOnlyOnceAFlushThatBeganAfterItCompletedAndInTheOrderMade() {
        AtomicLong flushes = new AtomicLong(7);
        WriteBehind writes = WriteBehind.afterFlush(flushes::get);
        List<String> done = new ArrayList<>();
        writes.write(() -> done.add("a"));
        writes.write(() -> done.add("b"));
        assertThat(writes.release()).isZero();
        assertThat(done).isEmpty();

        flushes.incrementAndGet();
        writes.write(() -> done.add("c"));
        assertThat(writes.release()).isEqualTo(2);
        assertThat(done).containsExactly("a", "b");
        assertThat(writes.size()).isEqualTo(1);

        flushes.incrementAndGet();
        assertThat(writes.release()).isEqualTo(1);
        assertThat(done).containsExactly("a", "b", "c");
        assertThat(writes.size()).isZero();
    }

    @Test
    void shouldDropWhatItHoldsWhenCleared() {
        AtomicLong flushes = new AtomicLong();
        WriteBehind writes = WriteBehind.afterFlush(flushes::get);
        List<String> done = new ArrayList<>();
        writes.write(() -> done.add("a"));
        writes.clear();
        flushes.incrementAndGet();
        assertThat(writes.release()).isZero();
        assertThat(done).isEmpty();
    }

    @Test
    void shouldRunEveryWriteAtOnceWithoutAFlushCount() {
        WriteBehind writes = WriteBehind.immediate();
        List<String> done = new ArrayList<>();
        writes.write(() -> done.add("a"));
        assertThat(done).containsExactly("a");
        assertThat(writes.holding()).isFalse();
        assertThat(writes.size()).isZero();
    }

    @Test
    void shouldCountOnlyTheFlushesThatReturnedOnThisThread() throws InterruptedException {
        long before = ProducerFlushes.completed();
        ProducerFlushes.countOne();
        Thread other = new Thread(ProducerFlushes::countOne);
        other.start();
        other.join();
        assertThat(ProducerFlushes.completed()).isEqualTo(before + 1);
    }
}
