package io.iommutracker.app;

import io.iommutracker.kafka.TopicSetup;
import io.iommutracker.schemas.Topics;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "run", mixinStandardHelpOptions = true,
        description = "Start the tracker: the embedded broker (unless --bootstrap-servers), every topic, the Streams app and the query API.")
final class RunCommand implements Callable<Integer> {

    @Mixin
    KafkaOptions kafka = new KafkaOptions();

    @Mixin
    TrackerOptions tracker = new TrackerOptions();

    @Option(names = "--exit-after-start", hidden = true, description = "Start, wait for RUNNING, report and stop (for tests).")
    boolean exitAfterStart;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        long t0 = System.nanoTime();
        Tracker t = Tracker.start(kafka, tracker, out);
        boolean running = t.awaitRunning(Duration.ofSeconds(60));
        out.printf("%s after %d ms; Ctrl-C to stop%n", running ? "RUNNING" : "not RUNNING yet (" + t.app.state() + ")",
                (System.nanoTime() - t0) / 1_000_000);
        out.flush();
        if (exitAfterStart) {
            t.close();
            return running ? 0 : 1;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            t.close();
            stopped.countDown();
        }, "iommu-tracker-shutdown"));
        stopped.await();
        return 0;
    }

    static List<TopicSetup.Spec> specs(int partitions) {
        return Topics.ALL.stream().map(t -> new TopicSetup.Spec(t.name(), partitions, t.config())).toList();
    }
}
