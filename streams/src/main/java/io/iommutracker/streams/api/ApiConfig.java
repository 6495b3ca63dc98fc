package io.iommutracker.streams.api;

import org.apache.kafka.streams.state.HostInfo;

/**
 * Settings of one instance's query API.
 *
 * @param host            address the server binds to
 * @param port            port the server binds to; 0 picks a free one (tests)
 * @param advertisedHost  how other instances reach this one: must equal the host of Kafka Streams' application.server
 * @param advertisedPort  the port of application.server
 * @param defaultMaxLagMs staleness a read accepts when the caller names none; negative = only the owning (active)
 *                        instance may answer
 * @param threads         request-handling threads
 */
public record ApiConfig(String host, int port, String advertisedHost, int advertisedPort, long defaultMaxLagMs, int threads) {

    public static final String DEFAULT_HOST = "127.0.0.1";
    public static final int DEFAULT_PORT = 8080;

    public ApiConfig {
        if (host == null || host.isBlank()) {
            throw new IllegalArgumentException("api host must not be empty");
        }
        if (port < 0 || port > 65535 || advertisedPort < 0 || advertisedPort > 65535) {
            throw new IllegalArgumentException("api port out of range: " + port + " / advertised " + advertisedPort);
        }
        if (threads < 1) {
            throw new IllegalArgumentException("api threads must be at least 1, got " + threads);
        }
        if (advertisedHost == null || advertisedHost.isBlank()) {
            advertisedHost = host;
        }
    }

    /** 127.0.0.1:8080, advertised as itself, owner-only reads, 8 threads. */
    public static ApiConfig defaults() {
        return new ApiConfig(DEFAULT_HOST, DEFAULT_PORT, DEFAULT_HOST, DEFAULT_PORT, -1, 8);
    }

    /** Binds and advertises {@code host:port}. */
    public static ApiConfig of(String host, int port) {
        return new ApiConfig(host, port, host, port, -1, 8);
    }

    public ApiConfig withDefaultMaxLagMs(long ms) {
        return new ApiConfig(host, port, advertisedHost, advertisedPort, ms, threads);
    }

    public ApiConfig withThreads(int n) {
        return new ApiConfig(host, port, advertisedHost, advertisedPort, defaultMaxLagMs, n);
    }

    public ApiConfig withAdvertised(String h, int p) {
        return new ApiConfig(host, port, h, p, defaultMaxLagMs, threads);
    }

    /** The value for Kafka Streams' {@code application.server}. */
    public String applicationServer() {
        return advertisedHost + ":" + advertisedPort;
    }

    public HostInfo advertised() {
        return new HostInfo(advertisedHost, advertisedPort);
    }
}
