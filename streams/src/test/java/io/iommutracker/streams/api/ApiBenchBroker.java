package io.iommutracker.streams.api;

import io.iommutracker.kafka.EmbeddedKafka;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * A standalone single-node broker for the multi-process API bench (a CLI: it prints): the broker runs in its own JVM
 * so that the tracker instance under test shares its heap and GC with nothing else. Stops on SIGTERM.
 *
 * <p>Usage: {@code ApiBenchBroker dataDir port}.
 */
public final class ApiBenchBroker {

    private ApiBenchBroker() {
    }

    public static void main(String[] args) throws Exception {
        EmbeddedKafka broker = EmbeddedKafka.start(Path.of(args[0]), Integer.parseInt(args[1]), Map.of());
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            broker.close();
            stopped.countDown();
        }, "bench-broker-stop"));
        System.out.println("BROKER " + broker.bootstrapServers());
        System.out.flush();
        stopped.await();
    }
}
