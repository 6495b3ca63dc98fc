package io.iommutracker.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.iommutracker.kafka.KafkaFixture;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class DemoIT {

    @Test
    void shouldFeedASimulatedFleetAndAnswerForItsHostsOverHttp() throws Exception {
        int port;
        try (var s = new java.net.ServerSocket(0)) {
            port = s.getLocalPort();
        }
        String dataDir = KafkaFixture.tempDir("demo").toString();
        AtomicInteger rc = new AtomicInteger(-1);
        Thread demo = new Thread(() -> rc.set(Main.execute("demo", "--bootstrap-servers", KafkaFixture.bootstrapServers(),
                "--application-id", "demo-" + UUID.randomUUID(), "--data-dir", dataDir, "--http-port", String.valueOf(port),
                "--hosts", "20", "--rate", "100", "--duration", "25s", "--summary-every", "5s")), "demo");
        demo.start();
        HttpClient http = HttpClient.newHttpClient();
        ObjectMapper json = new ObjectMapper();
        JsonNode hosts = null;
        long deadline = System.currentTimeMillis() + 25_000;
        while (System.currentTimeMillis() < deadline) {
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/v1/hosts?limit=100"))
                        .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    hosts = json.readTree(r.body());
                    if (hosts.path("hosts").size() >= 10) {
                        break;
                    }
                }
            } catch (java.io.IOException notYet) {
                // the API is not listening yet
            }
            Thread.sleep(500);
        }
        assertThat(hosts).as("hosts listed by the demo's API").isNotNull();
        assertThat(hosts.path("hosts").size()).isGreaterThanOrEqualTo(10);
        String first = hosts.path("hosts").get(0).path("host").asText();
        assertThat(first).isNotEmpty();
        // a host's latest view trails its events by up to about a view resolution (1 s by default) plus a punctuation:
        // a host listed at its first event may still show the view of that event alone (no devices yet)
        HttpResponse<String> groups = null;
        long viewDeadline = System.currentTimeMillis() + 15_000;
        do {
            groups = http.send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + port + "/api/v1/hosts/" + first + "/groups?view=kernel")).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (groups.statusCode() != 200 || groups.body().contains("0000:")) {
                break;
            }
            Thread.sleep(250);
        } while (System.currentTimeMillis() < viewDeadline);
        assertThat(groups.statusCode()).isEqualTo(200);
        assertThat(json.readTree(groups.body()).toString()).contains("0000:");
        demo.join(60_000);
        assertThat(rc.get()).isZero();
    }
}
