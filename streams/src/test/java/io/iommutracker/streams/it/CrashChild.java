package io.iommutracker.streams.it;

import io.iommutracker.streams.TrackerApp;
import io.iommutracker.streams.TrackerConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;

/** A tracker instance in its own JVM, for the crash test: args = bootstrap, application id, state dir. */
public final class CrashChild {

    private CrashChild() {
    }

    public static void main(String[] args) throws InterruptedException {
        TrackerConfig config = TrackerConfig.defaults(args[0]).withApplicationId(args[1]).withStateDir(Path.of(args[2]))
                .withSilentTimeout(Duration.ZERO).withEvaluationWindow(Duration.ofMillis(Long.parseLong(args[3])));
        TrackerApp app = new TrackerApp(config);
        CountDownLatch done = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            app.close();
            done.countDown();
        }));
        app.start();
        done.await();
    }
}
