package io.iommutracker.streams.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.metrics.KafkaMetric;
import org.apache.kafka.common.metrics.Metrics;
import org.apache.kafka.common.metrics.Sensor;
import org.apache.kafka.common.metrics.stats.CumulativeSum;
import org.junit.jupiter.api.Test;

class PrometheusTest {

    @Test
    void kafkaMetricsBecomeSanitisedFamiliesWithLabels() {
        try (Metrics metrics = new Metrics()) {
            MetricName name = metrics.metricName("process-total", "stream-thread-metrics", "", Map.of("thread-id", "app-\"1\""));
            Sensor sensor = metrics.sensor("processed");
            sensor.add(name, new CumulativeSum());
            sensor.record(3);
            KafkaMetric m = metrics.metric(name);
            StringBuilder sb = new StringBuilder();
            Prometheus.appendKafka(sb, Map.of(name, m));
            assertThat(sb.toString()).isEqualTo("# TYPE kafka_streams_stream_thread_metrics_process_total untyped\n"
                    + "kafka_streams_stream_thread_metrics_process_total{thread_id=\"app-\\\"1\\\"\"} 3\n");
        }
    }

    @Test
    void latencyHistogramIsCumulative() {
        ApiMetrics m = new ApiMetrics();
        m.record("/r", "GET", 200, 300_000);      // 0.3 ms
        m.record("/r", "GET", 200, 1_500_000);    // 1.5 ms
        m.record("/r", "GET", 404, 20_000_000);   // 20 ms
        StringBuilder sb = new StringBuilder();
        m.appendTo(sb);
        String s = sb.toString();
        assertThat(s).contains("iommu_api_requests_total{route=\"/r\",method=\"GET\",status=\"200\"} 2\n",
                "iommu_api_requests_total{route=\"/r\",method=\"GET\",status=\"404\"} 1\n",
                "iommu_api_request_duration_seconds_bucket{route=\"/r\",le=\"5.0E-4\"} 1\n",
                "iommu_api_request_duration_seconds_bucket{route=\"/r\",le=\"0.002\"} 2\n",
                "iommu_api_request_duration_seconds_bucket{route=\"/r\",le=\"0.025\"} 3\n",
                "iommu_api_request_duration_seconds_count{route=\"/r\"} 3\n");
    }
}
