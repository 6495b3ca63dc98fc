package io.iommutracker.app;

import io.iommutracker.connectors.runner.ConnectRunner;
import io.iommutracker.streams.sim.FleetSimulator;
import io.iommutracker.streams.sim.LiveSummary;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"Everything `run` starts, plus a simulated fleet feeding telemetry, an in-process Kafka Connect worker",
                "(telemetry spool source; Alertmanager sink with --alertmanager-url), and a one-line live summary."})
final class DemoCommand implements Callable<Integer> {

    @Mixin
    KafkaOptions kafka = new KafkaOptions();

    @Mixin
    TrackerOptions tracker = new TrackerOptions();

    @Option(names = "--hosts", defaultValue = "200", description = "Simulated hosts (default: ${DEFAULT-VALUE}).")
    int hosts;

    @Option(names = "--rate", defaultValue = "200", description = "Simulated events per second (default: ${DEFAULT-VALUE}).")
    double rate;

    @Option(names = "--seed", defaultValue = "42", description = "Simulation seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--duration", paramLabel = "DURATION", description = "Stop after this long, e.g. 2m (default: until Ctrl-C).")
    String duration;

    @Option(names = "--summary-every", defaultValue = "2s", paramLabel = "DURATION",
            description = "How often the summary line is printed (default: ${DEFAULT-VALUE}).")
    String summaryEvery;

    @Option(names = "--alertmanager-url", paramLabel = "URL", description = "Deliver alerts to this Alertmanager (v2 API).")
    URI alertmanagerUrl;

    @Option(names = "--no-connect", description = "Do not start the Connect worker.")
    boolean noConnect;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        Tracker t = Tracker.start(kafka, tracker, out);
        try {
            if (!noConnect) {
                Path work = kafka.dataDir.resolve("connect").toAbsolutePath();
                ConnectRunner connect = ConnectRunner.start(ConnectRunner.Options.of(t.bootstrap, work, Optional.ofNullable(alertmanagerUrl)));
                t.closeWithIt(connect);
                out.printf("Kafka Connect worker: %s; drop captures (<host>__<time>__lspci.txt or a sysfs tar) into %s%n",
                        connect.restUrl(), connect.options().spoolDir());
                out.println(alertmanagerUrl == null ? "alert sink: off (give --alertmanager-url to deliver alerts)"
                        : "alert sink: delivering to " + alertmanagerUrl);
            }
            FleetSimulator sim = new FleetSimulator(FleetSimulator.Options.defaults().withHosts(hosts).withRate(rate)
                    .withSeed(seed));
            Duration runFor = duration == null ? Duration.ofDays(3650) : AgentCommand.parseDuration("--duration", duration);
            Thread feeder = new Thread(() -> sim.run(t.client, runFor), "fleet-simulator");
            feeder.setDaemon(true);
            feeder.start();
            t.closeWithIt(sim::stop);
            out.printf("simulated fleet: %d hosts at %.0f events/s (seed %d)%n", hosts, rate, seed);
            out.flush();
            LiveSummary summary = new LiveSummary(t.client, AgentCommand.parseDuration("--summary-every", summaryEvery),
                    new PrintStream(System.out, true));
            Thread printer = new Thread(summary, "live-summary");
            printer.setDaemon(true);
            printer.start();
            t.closeWithIt(summary);
            CountDownLatch stopped = new CountDownLatch(1);
            Thread hook = new Thread(() -> {
                t.close();
                stopped.countDown();
            }, "iommu-tracker-shutdown");
            Runtime.getRuntime().addShutdownHook(hook);
            if (duration != null) {
                feeder.join(runFor.toMillis() + 5_000);
                Runtime.getRuntime().removeShutdownHook(hook);
                hook.run();
            }
            stopped.await();
            return 0;
        } catch (RuntimeException e) {
            t.close();
            throw e;
        }
    }
}
