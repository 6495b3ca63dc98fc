package io.iommutracker.app;

import io.iommutracker.streams.bench.LoadDriver;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"End-to-end load driver: events/s and event->alert latency p50/p99 for the tracker and, in the same run",
                "on the same broker, for an identity passthrough topology with the same serdes and guarantee."})
final class BenchCommand implements Callable<Integer> {

    @Option(names = "--bootstrap-servers", paramLabel = "HOST:PORT", description = "Benchmark on this cluster (default: a fresh embedded broker).")
    String bootstrap;

    @Option(names = "--work-dir", defaultValue = "data/bench", description = "Broker and state directories (default: ${DEFAULT-VALUE}).")
    Path workDir;

    @Option(names = "--hosts", defaultValue = "200", description = "Simulated hosts (default: ${DEFAULT-VALUE}).")
    int hosts;

    @Option(names = "--events", defaultValue = "1000000",
            description = "Events preloaded for the throughput runs. Fewer leave the JIT compiling through the timed runs: at"
                    + " 300,000 the passthrough's timed run lasted about a second with the compilers near a whole core,"
                    + " and measured about two thirds of its rate (default: ${DEFAULT-VALUE}).")
    int events;

    @Option(names = "--latency-run", defaultValue = "20s", description = "Length of the latency run at half the measured rate (default: ${DEFAULT-VALUE}).")
    String latencyRun;

    @Option(names = "--processing-guarantee", defaultValue = "exactly_once_v2", description = "Default: ${DEFAULT-VALUE}.")
    String guarantee;

    @Override
    public Integer call() throws Exception {
        LoadDriver.Options d = LoadDriver.Options.defaults();
        LoadDriver.Figures f = LoadDriver.run(new LoadDriver.Options(bootstrap, workDir, hosts, events, d.warmup(),
                AgentCommand.parseDuration("--latency-run", latencyRun), guarantee));
        f.print(System.out);
        return 0;
    }
}
