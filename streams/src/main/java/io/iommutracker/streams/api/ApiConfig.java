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
 * @param threads         requests handled at once (each connection has its thread; this bounds the CPU-bound part)
 * @param cacheBytes      budget of the cache of rendered per-host answers (stored view plus answer bytes); 0 disables it
 */
public record ApiConfig(String host, int port, String advertisedHost, int advertisedPort, long defaultMaxLagMs, int threads,
                        long cacheBytes) {

    public static final String DEFAULT_HOST = "127.0.0.1";
    public static final int DEFAULT_PORT = 8080;
    /**
     * An eighth of the heap, between 64 and 256 MiB. A real 10,000-host fleet needs about 75 MB for one endpoint
     * (stored view of ~5 KB plus answer of ~2.5 KB per host); under that, the cache evicts what it is about to serve
     * and every read decodes and renders again (the bench then saturates both cores below 10,000 req/s).
     */
    public static final long DEFAULT_CACHE_BYTES = Math.max(64L << 20, Math.min(256L << 20, Runtime.getRuntime().maxMemory() / 8));
    /**
     * One request at a time per core: requests are CPU-bound (store read, render), more at once only add switches.
     * The system property {@code iommu.api.threads} overrides it.
     */
    public static final int DEFAULT_THREADS = Integer.getInteger("iommu.api.threads", Math.max(2, Runtime.getRuntime().availableProcessors()));

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
        if (cacheBytes < 0) {
            throw new IllegalArgumentException("api cache bytes must be >= 0, got " + cacheBytes);
        }
        if (advertisedHost == null || advertisedHost.isBlank()) {
            advertisedHost = host;
        }
    }

    public ApiConfig(String host, int port, String advertisedHost, int advertisedPort, long defaultMaxLagMs, int threads) {
        this(host, port, advertisedHost, advertisedPort, defaultMaxLagMs, threads, DEFAULT_CACHE_BYTES);
    }

    /** 127.0.0.1:8080, advertised as itself, owner-only reads, one thread per core, answer cache of {@link #DEFAULT_CACHE_BYTES}. */
    public static ApiConfig defaults() {
        return of(DEFAULT_HOST, DEFAULT_PORT);
    }

    /** Binds and advertises {@code host:port}. */
    public static ApiConfig of(String host, int port) {
        return new ApiConfig(host, port, host, port, -1, DEFAULT_THREADS, DEFAULT_CACHE_BYTES);
    }

    public ApiConfig withDefaultMaxLagMs(long ms) {
        return new ApiConfig(host, port, advertisedHost, advertisedPort, ms, threads, cacheBytes);
    }

    public ApiConfig withThreads(int n) {
        return new ApiConfig(host, port, advertisedHost, advertisedPort, defaultMaxLagMs, n, cacheBytes);
    }

    public ApiConfig withAdvertised(String h, int p) {
        return new ApiConfig(host, port, h, p, defaultMaxLagMs, threads, cacheBytes);
    }

    public ApiConfig withCacheBytes(long n) {
        return new ApiConfig(host, port, advertisedHost, advertisedPort, defaultMaxLagMs, threads, n);
    }

    /** The value for Kafka Streams' {@code application.server}. */
    public String applicationServer() {
        return advertisedHost + ":" + advertisedPort;
    }

    public HostInfo advertised() {
        return new HostInfo(advertisedHost, advertisedPort);
    }
}
