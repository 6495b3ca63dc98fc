package io.iommutracker.app;

import io.iommutracker.avro.HostSnapshot;
import io.iommutracker.connectors.agent.AgentConfig;
import io.iommutracker.connectors.agent.HostAgent;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "agent", mixinStandardHelpOptions = true,
        description = {"Watch this machine's /sys (or --root) and produce PCI events straight to Kafka (idempotent producer).",
                "Java has no udev netlink socket without native code, so the agent polls at --interval."})
final class AgentCommand implements Callable<Integer> {

    @Option(names = "--bootstrap-servers", defaultValue = "127.0.0.1:9092", paramLabel = "HOST:PORT[,...]",
            description = "Kafka to produce to (default: ${DEFAULT-VALUE}, the embedded broker of `run`).")
    String bootstrapServers;

    @Option(names = "--kafka-config", paramLabel = "FILE", description = "Producer properties (TLS, SASL, ...).")
    Path kafkaConfig;

    @Option(names = "--root", defaultValue = "/", paramLabel = "DIR",
            description = "Directory holding sys/bus/pci/devices (default: ${DEFAULT-VALUE}, the live host).")
    Path root;

    @Option(names = "--host-id", paramLabel = "ID", description = "Host id (default: the kernel's host name under --root).")
    String hostId;

    @Option(names = "--interval", defaultValue = "10s", paramLabel = "DURATION",
            description = "Polling interval, e.g. 500ms, 10s, 1m (default: ${DEFAULT-VALUE}).")
    String interval;

    @Option(names = "--state-dir", defaultValue = "data/agent", paramLabel = "DIR",
            description = "Where the agent keeps its last sequence and snapshot (default: ${DEFAULT-VALUE}).")
    Path stateDir;

    @Option(names = "--print-snapshot", description = "Read /sys once, print what was captured and exit (no Kafka).")
    boolean printSnapshot;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        Map<String, String> overrides = new HashMap<>();
        if (kafkaConfig != null) {
            KafkaOptions k = new KafkaOptions();
            k.kafkaConfig = kafkaConfig;
            k.clientProperties(bootstrapServers).forEach((a, b) -> overrides.put(a.toString(), b.toString()));
            overrides.remove("bootstrap.servers");
        }
        AgentConfig cfg = new AgentConfig(hostId != null ? hostId : AgentConfig.hostname(root), root, bootstrapServers,
                parseDuration(interval), io.iommutracker.schemas.Topics.TELEMETRY.name(), stateDir, overrides);
        PrintWriter out = spec.commandLine().getOut();
        if (printSnapshot) {
            HostSnapshot s = HostAgent.capture(cfg);
            out.printf("host %s: %d PCI functions, platform %s%n", cfg.hostId(), s.getDevices().size(),
                    s.getHost() == null ? "unknown" : s.getHost().getPlatform());
            s.getDevices().forEach(d -> out.printf("  %s %04x:%04x class %06x %s%s%n", d.getBdf(), d.getVendorId(), d.getDeviceId(),
                    d.getClassCode(), d.getPcieType(), d.getDriver() == null ? "" : " driver " + d.getDriver()));
            out.flush();
            return 0;
        }
        out.printf("agent for host %s: reading %s every %s, producing to %s%n", cfg.hostId(), root, cfg.pollInterval(), bootstrapServers);
        out.flush();
        HostAgent.run(cfg);
        return 0;
    }

    static Duration parseDuration(String s) {
        return parseDuration("--interval", s);
    }

    /** A duration written as a whole number with a unit: ms, s, m, h or d; the error names the option. */
    static Duration parseDuration(String option, String s) {
        var m = java.util.regex.Pattern.compile("(\\d+)(ms|s|m|h|d)").matcher(s == null ? "" : s.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException(option + " " + s + ": expected a whole number with ms, s, m, h or d, e.g. 10s");
        }
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            default -> Duration.ofDays(n);
        };
    }
}
