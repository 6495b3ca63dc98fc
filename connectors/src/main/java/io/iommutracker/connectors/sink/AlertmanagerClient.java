package io.iommutracker.connectors.sink;

import io.iommutracker.avro.Alert;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** POSTs alerts to Alertmanager's v2 API, retrying what may succeed later with exponential backoff. */
public final class AlertmanagerClient {

    private static final Logger log = LoggerFactory.getLogger(AlertmanagerClient.class);

    /** Why delivery gave up: {@code retriable} when attempts ran out, not when Alertmanager refused the alert. */
    public static final class DeliveryException extends Exception {
        private final boolean retriable;

        DeliveryException(String message, boolean retriable, Throwable cause) {
            super(message, cause);
            this.retriable = retriable;
        }

        public boolean retriable() {
            return retriable;
        }
    }

    /** Waits between attempts; tests pass a recording one. */
    @FunctionalInterface
    public interface Sleeper {
        void sleep(Duration d) throws InterruptedException;
    }

    private final URI endpoint;
    private final Duration timeout;
    private final Backoff backoff;
    private final Sleeper sleeper;
    private final HttpClient http;

    public AlertmanagerClient(URI baseUrl, Duration timeout, Backoff backoff) {
        this(baseUrl, timeout, backoff, d -> Thread.sleep(d.toMillis()));
    }

    public AlertmanagerClient(URI baseUrl, Duration timeout, Backoff backoff, Sleeper sleeper) {
        String base = baseUrl.toString().replaceAll("/+$", "");
        this.endpoint = URI.create(base + "/api/v2/alerts");
        this.timeout = timeout;
        this.backoff = backoff;
        this.sleeper = sleeper;
        this.http = HttpClient.newBuilder().connectTimeout(timeout).build();
    }

    public URI endpoint() {
        return endpoint;
    }

    /** Delivers the alerts in one request; returns the number of attempts it took. */
    public int post(Collection<Alert> alerts) throws DeliveryException, InterruptedException {
        String body = AlertJson.array(alerts);
        HttpRequest req = HttpRequest.newBuilder(endpoint).timeout(timeout)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8)).build();
        String last = "";
        Throwable lastCause = null;
        for (int attempt = 1; attempt <= backoff.maxAttempts(); attempt++) {
            sleeper.sleep(backoff.before(attempt));
            try {
                HttpResponse<String> r = http.send(req, HttpResponse.BodyHandlers.ofString());
                int code = r.statusCode();
                if (code / 100 == 2) {
                    return attempt;
                }
                last = "HTTP " + code + " from " + endpoint + ": " + r.body().strip();
                if (code != 429 && code / 100 == 4) {
                    throw new DeliveryException("Alertmanager rejected the alert: " + last, false, null);
                }
            } catch (IOException e) {
                last = "cannot reach " + endpoint + ": " + e;
                lastCause = e;
            }
            log.debug("attempt {} of {} failed: {}", attempt, backoff.maxAttempts(), last);
        }
        throw new DeliveryException("gave up after " + backoff.maxAttempts() + " attempts: " + last, true, lastCause);
    }
}
