package io.iommutracker.streams.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

class CpuSplitTest {

    @Test
    void shouldReadTheAggregateLineAndCountTheCores() {
        List<String> stat = List.of(
                "cpu  100 5 50 800 40 3 2 0 7 0",
                "cpu0 50 2 25 400 20 1 1 0 3 0",
                "cpu1 50 3 25 400 20 2 1 0 4 0",
                "intr 12345 0 0",
                "ctxt 999");
        long[] j = CpuSplit.machineJiffies(stat);
        // user+nice+system+idle+iowait+irq+softirq+steal; guest (7) is inside user already
        assertThat(j[0]).isEqualTo(100 + 5 + 50 + 800 + 40 + 3 + 2);
        assertThat(j[1]).isEqualTo(100 + 5 + 50 + 3 + 2);
        assertThat(j[2]).isEqualTo(2);
        assertThat(CpuSplit.machineJiffies(List.of("intr 1"))).isNull();
        assertThat(CpuSplit.machineJiffies(null)).isNull();
    }

    @Test
    void shouldCountAThreadOfTheApplicationAsClientAndOthersApart() throws Exception {
        String app = "cpusplit-test-app";
        CpuSplit.Meter m = CpuSplit.start(app);
        CountDownLatch spun = new CountDownLatch(2);
        CountDownLatch read = new CountDownLatch(1);
        Thread client = new Thread(() -> spin(200, spun, read), app + "-StreamThread-1");
        Thread other = new Thread(() -> spin(100, spun, read), "some-broker-thread-7");
        client.start();
        other.start();
        // the meter is read while both threads are alive: a dead thread's time is gone from the JVM's counters
        spun.await();
        CpuSplit s = m.stop(1_000);
        read.countDown();
        client.join();
        other.join();
        // 200 ms over 1,000 events = 200 µs each, 100 ms = 100 µs: a loaded machine only stretches the wall time
        assertThat(s.clientMicros()).isBetween(150.0, 260.0);
        assertThat(s.otherThreadsMicros()).isGreaterThanOrEqualTo(80.0);
        assertThat(s.topOthers()).containsKey("some-broker-thread-#");
    }

    @Test
    void shouldKeepTheTimeOfAThreadThatEndedBeforeTheStopWhenItWasSampled() throws Exception {
        CpuSplit.Meter m = CpuSplit.start("cpusplit-test-app-2");
        CountDownLatch spun = new CountDownLatch(1);
        CountDownLatch sampled = new CountDownLatch(1);
        Thread producer = new Thread(() -> spin(150, spun, sampled), "load-producer-3");
        producer.start();
        spun.await();
        m.sample();
        sampled.countDown();
        producer.join();
        CpuSplit s = m.stop(1_000);
        // 150 ms over 1,000 events; without the sample the ended thread's time would count as the JVM's own
        assertThat(s.otherThreadsMicros()).isGreaterThanOrEqualTo(130.0);
        assertThat(s.topOthers()).containsKey("load-producer-#");
    }

    private static void spin(long cpuMillis, CountDownLatch spun, CountDownLatch read) {
        java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
        long end = mx.getCurrentThreadCpuTime() + cpuMillis * 1_000_000;
        long x = 0;
        while (mx.getCurrentThreadCpuTime() < end) {
            x += System.nanoTime() & 1;
        }
        if (x == -1) {
            System.out.println(x);
        }
        spun.countDown();
        try {
            read.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
