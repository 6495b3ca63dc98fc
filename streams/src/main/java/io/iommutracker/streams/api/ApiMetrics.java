package io.iommutracker.streams.api;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.DoubleAdder;
import java.util.concurrent.atomic.LongAdder;

/** The API's own request counters and latency histograms, per route template, in Prometheus text form. */
final class ApiMetrics {

    /** Upper bounds of the latency buckets, in seconds. */
    static final double[] BUCKETS = {0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};

    private record Key(String route, String method, int status) {
    }

    private static final class Histogram {
        final LongAdder[] buckets = new LongAdder[BUCKETS.length];
        final LongAdder count = new LongAdder();
        final DoubleAdder sum = new DoubleAdder();

        Histogram() {
            for (int i = 0; i < buckets.length; i++) {
                buckets[i] = new LongAdder();
            }
        }

        void observe(double seconds) {
            for (int i = 0; i < BUCKETS.length; i++) {
                if (seconds <= BUCKETS[i]) {
                    buckets[i].increment();
                    break;
                }
            }
            count.increment();
            sum.add(seconds);
        }
    }

    private final Map<Key, LongAdder> requests = new ConcurrentHashMap<>();
    private final Map<String, Histogram> latency = new ConcurrentHashMap<>();
    private final LongAdder forwarded = new LongAdder();

    void record(String route, String method, int status, long nanos) {
        requests.computeIfAbsent(new Key(route, method, status), k -> new LongAdder()).increment();
        latency.computeIfAbsent(route, k -> new Histogram()).observe(nanos / 1e9);
    }

    long count(String route, int status) {
        return requests.entrySet().stream().filter(e -> e.getKey().route().equals(route) && e.getKey().status() == status)
                .mapToLong(e -> e.getValue().sum()).sum();
    }

    void appendTo(StringBuilder sb) {
        sb.append("# HELP iommu_api_requests_total HTTP requests answered, by route template, method and status.\n");
        sb.append("# TYPE iommu_api_requests_total counter\n");
        requests.entrySet().stream().sorted(Map.Entry.comparingByKey(java.util.Comparator.comparing(Key::route)
                        .thenComparing(Key::method).thenComparingInt(Key::status)))
                .forEach(e -> sb.append("iommu_api_requests_total{route=\"").append(Prometheus.escape(e.getKey().route()))
                        .append("\",method=\"").append(e.getKey().method()).append("\",status=\"").append(e.getKey().status())
                        .append("\"} ").append(e.getValue().sum()).append('\n'));
        sb.append("# HELP iommu_api_request_duration_seconds Time from request to response, by route template.\n");
        sb.append("# TYPE iommu_api_request_duration_seconds histogram\n");
        latency.entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> {
            String route = Prometheus.escape(e.getKey());
            long cumulative = 0;
            for (int i = 0; i < BUCKETS.length; i++) {
                cumulative += e.getValue().buckets[i].sum();
                sb.append("iommu_api_request_duration_seconds_bucket{route=\"").append(route).append("\",le=\"")
                        .append(BUCKETS[i]).append("\"} ").append(cumulative).append('\n');
            }
            long n = e.getValue().count.sum();
            sb.append("iommu_api_request_duration_seconds_bucket{route=\"").append(route).append("\",le=\"+Inf\"} ").append(n).append('\n');
            sb.append("iommu_api_request_duration_seconds_sum{route=\"").append(route).append("\"} ").append(e.getValue().sum.sum()).append('\n');
            sb.append("iommu_api_request_duration_seconds_count{route=\"").append(route).append("\"} ").append(n).append('\n');
        });
    }
}
