package io.iommutracker.streams.it;

import io.iommutracker.streams.TrackerApp;
import io.iommutracker.streams.TrackerConfig;
import io.iommutracker.streams.engine.EmulatorEngine;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * A tracker instance in its own JVM, for the crash tests: args = bootstrap, application id, state dir, evaluation
 * window in ms, and optionally the processing guarantee and the number of output records after which its producer
 * starts to lose them and then halts ({@link LosingProducer}).
 */
public final class CrashChild {

    private CrashChild() {
    }

    public static void main(String[] args) throws InterruptedException {
        TrackerConfig config = TrackerConfig.defaults(args[0]).withApplicationId(args[1]).withStateDir(Path.of(args[2]))
                .withSilentTimeout(Duration.ZERO).withEvaluationWindow(Duration.ofMillis(Long.parseLong(args[3])));
        if (args.length > 4) {
            // at_least_once commits every 30 s by default: as often as exactly-once does here
            config = config.withProcessingGuarantee(args[4]).withExtra(Map.of("commit.interval.ms", "100"));
        }
        TrackerApp app = args.length > 5
                ? new TrackerApp(config, EmulatorEngine.INSTANCE, LosingProducer.supplier(Integer.parseInt(args[5])))
                : new TrackerApp(config);
        CountDownLatch done = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            app.close();
            done.countDown();
        }));
        app.start();
        done.await();
    }
}
