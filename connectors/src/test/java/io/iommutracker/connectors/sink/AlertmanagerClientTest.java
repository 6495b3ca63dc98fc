package io.iommutracker.connectors.sink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.iommutracker.avro.Alert;
import io.iommutracker.avro.AlertKind;
import io.iommutracker.avro.AlertStatus;
import io.iommutracker.avro.Severity;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The HTTP side against a local stub: what is sent, what is retried and how long it waits. */
class AlertmanagerClientTest {

    private HttpServer server;
    private final List<String> bodies = new CopyOnWriteArrayList<>();
    private final List<Duration> slept = new ArrayList<>();

    static Alert alert(AlertStatus status) {
        return Alert.newBuilder().setFingerprint("fp-1").setKind(AlertKind.ISOLATION).setStatus(status)
                .setSeverity(Severity.CRITICAL).setHostId("h1").setDevices(List.of("0000:01:00.0", "0000:01:00.1"))
                .setSummary("GPU shares a group with its audio function").setEvidence(Map.of("group", "7"))
                .setFirstSeen(Instant.parse("2024-05-01T10:00:00Z")).setLastSeen(Instant.parse("2024-05-01T10:05:00Z"))
                .setResolvedAt(status == AlertStatus.RESOLVED ? Instant.parse("2024-05-01T10:05:00Z") : null).build();
    }

    private URI serve(int... codes) throws Exception {
        AtomicInteger n = new AtomicInteger();
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/api/v2/alerts", ex -> {
            bodies.add(new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            int code = codes[Math.min(n.getAndIncrement(), codes.length - 1)];
            byte[] body = (code == 200 ? "" : "boom " + code).getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(code, body.length == 0 ? -1 : body.length);
            ex.getResponseBody().write(body);
            ex.close();
        });
        server.start();
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/");
    }

    private AlertmanagerClient client(URI url, int attempts) {
        return new AlertmanagerClient(url, Duration.ofSeconds(5),
                new Backoff(attempts, Duration.ofMillis(100), Duration.ofMillis(250), 2.0), slept::add);
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.stop(0);
        }
    }

    @Test
    void retriesServerErrorsWithExponentialBackoff() throws Exception {
        AlertmanagerClient c = client(serve(503, 429, 500, 200), 5);
        assertThat(c.post(List.of(alert(AlertStatus.FIRING)))).isEqualTo(4);
        assertThat(slept).containsExactly(Duration.ZERO, Duration.ofMillis(100), Duration.ofMillis(200),
                Duration.ofMillis(250));
        assertThat(bodies).hasSize(4).allMatch(b -> b.equals(bodies.get(0)));
    }

    @Test
    void givesUpAfterMaxAttemptsAsRetriable() throws Exception {
        AlertmanagerClient c = client(serve(503), 3);
        assertThatThrownBy(() -> c.post(List.of(alert(AlertStatus.FIRING))))
                .isInstanceOfSatisfying(AlertmanagerClient.DeliveryException.class, e -> {
                    assertThat(e.retriable()).isTrue();
                    assertThat(e.getMessage()).contains("3 attempts", "HTTP 503");
                });
        assertThat(bodies).hasSize(3);
    }

    @Test
    void aRejectedAlertIsNotRetried() throws Exception {
        AlertmanagerClient c = client(serve(400), 5);
        assertThatThrownBy(() -> c.post(List.of(alert(AlertStatus.FIRING))))
                .isInstanceOfSatisfying(AlertmanagerClient.DeliveryException.class,
                        e -> assertThat(e.retriable()).isFalse());
        assertThat(bodies).hasSize(1);
    }

    @Test
    void unreachableAlertmanagerIsRetriable() {
        AlertmanagerClient c = client(URI.create("http://127.0.0.1:1"), 2);
        assertThatThrownBy(() -> c.post(List.of(alert(AlertStatus.FIRING))))
                .isInstanceOfSatisfying(AlertmanagerClient.DeliveryException.class,
                        e -> assertThat(e.retriable()).isTrue());
    }

    @Test
    void postableAlertCarriesLabelsAnnotationsAndTimes() throws Exception {
        AlertmanagerClient c = client(serve(200), 1);
        c.post(List.of(alert(AlertStatus.FIRING), alert(AlertStatus.RESOLVED)));
        JsonNode arr = new ObjectMapper().readTree(bodies.get(0));
        JsonNode firing = arr.get(0);
        assertThat(firing.get("labels").get("alertname").asText()).isEqualTo("ISOLATION");
        assertThat(firing.get("labels").get("host").asText()).isEqualTo("h1");
        assertThat(firing.get("labels").get("severity").asText()).isEqualTo("critical");
        assertThat(firing.get("labels").get("fingerprint").asText()).isEqualTo("fp-1");
        assertThat(firing.get("labels").get("devices").asText()).isEqualTo("0000:01:00.0,0000:01:00.1");
        assertThat(firing.get("annotations").get("summary").asText()).startsWith("GPU shares");
        assertThat(new ObjectMapper().readTree(firing.get("annotations").get("evidence").asText()).get("group").asText())
                .isEqualTo("7");
        assertThat(firing.get("startsAt").asText()).isEqualTo("2024-05-01T10:00:00Z");
        assertThat(firing.has("endsAt")).isFalse();
        assertThat(arr.get(1).get("endsAt").asText()).isEqualTo("2024-05-01T10:05:00Z");
    }
}
