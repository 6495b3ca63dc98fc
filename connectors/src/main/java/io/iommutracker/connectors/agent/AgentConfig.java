package io.iommutracker.connectors.agent;

import io.iommutracker.schemas.Topics;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * What the host agent needs.
 *
 * @param hostId           the key of every event; stable across reboots
 * @param root             the directory holding {@code sys/bus/pci/devices} (and {@code proc/}): {@code /} on a live host
 * @param bootstrapServers Kafka
 * @param pollInterval     how often /sys is read again (Java has no udev netlink socket without native code)
 * @param topic            where events go
 * @param stateDir         where the last sequence and snapshot are kept, so a restarted agent continues its sequence
 * @param producerOverrides extra producer settings (security, client.id, ...); idempotence and acks=all are not overridable
 */
public record AgentConfig(String hostId, Path root, String bootstrapServers, Duration pollInterval, String topic,
                          Path stateDir, Map<String, String> producerOverrides) {

    public static final Duration DEFAULT_POLL_INTERVAL = Duration.ofSeconds(10);

    public AgentConfig {
        Objects.requireNonNull(hostId, "hostId");
        Objects.requireNonNull(root, "root");
        Objects.requireNonNull(bootstrapServers, "bootstrapServers");
        Objects.requireNonNull(pollInterval, "pollInterval");
        Objects.requireNonNull(topic, "topic");
        Objects.requireNonNull(stateDir, "stateDir");
        producerOverrides = Map.copyOf(producerOverrides);
        if (!hostId.matches("[A-Za-z0-9][A-Za-z0-9._-]*")) {
            throw new IllegalArgumentException("hostId '" + hostId + "' must be letters, digits, '.', '-' or '_'");
        }
        if (pollInterval.isNegative() || pollInterval.isZero()) {
            throw new IllegalArgumentException("pollInterval must be positive, not " + pollInterval);
        }
    }

    /** The live host: root {@code /}, host id from the kernel's hostname, default interval and topic. */
    public static AgentConfig forLiveHost(String bootstrapServers, Path stateDir) {
        return new AgentConfig(hostname(Path.of("/")), Path.of("/"), bootstrapServers, DEFAULT_POLL_INTERVAL,
                Topics.TELEMETRY.name(), stateDir, Map.of());
    }

    public AgentConfig withHostId(String id) {
        return new AgentConfig(id, root, bootstrapServers, pollInterval, topic, stateDir, producerOverrides);
    }

    public AgentConfig withRoot(Path r) {
        return new AgentConfig(hostId, r, bootstrapServers, pollInterval, topic, stateDir, producerOverrides);
    }

    public AgentConfig withPollInterval(Duration d) {
        return new AgentConfig(hostId, root, bootstrapServers, d, topic, stateDir, producerOverrides);
    }

    public AgentConfig withTopic(String t) {
        return new AgentConfig(hostId, root, bootstrapServers, pollInterval, t, stateDir, producerOverrides);
    }

    /** The kernel's host name under {@code root} ({@code proc/sys/kernel/hostname}), or "localhost". */
    public static String hostname(Path root) {
        try {
            String h = Files.readString(root.resolve("proc/sys/kernel/hostname")).strip();
            return h.isEmpty() ? "localhost" : h.replaceAll("[^A-Za-z0-9._-]", "-");
        } catch (IOException e) {
            return "localhost";
        }
    }
}
