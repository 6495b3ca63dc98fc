package io.iommutracker.connectors.sink;

import io.iommutracker.connectors.config.Validators;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigDef.Width;

/** Options of the Alertmanager sink connector; CONFIG.md is generated from {@link #configDef()}. */
public final class AlertSinkConnectorConfig extends AbstractConfig {

    private static final String ALERTMANAGER = "Alertmanager";
    private static final String RETRIES = "Retries";

    public static final String URL = "alertmanager.url";
    public static final String TIMEOUT_MS = "alertmanager.timeout.ms";
    public static final String RESEND_MS = "alertmanager.resend.interval.ms";
    public static final String MAX_ATTEMPTS = "retry.max.attempts";
    public static final String BACKOFF_INITIAL_MS = "retry.backoff.initial.ms";
    public static final String BACKOFF_MAX_MS = "retry.backoff.max.ms";
    public static final String BACKOFF_MULTIPLIER = "retry.backoff.multiplier";

    public AlertSinkConnectorConfig(Map<?, ?> props) {
        super(configDef(), props);
    }

    public static ConfigDef configDef() {
        ConfigDef d = new ConfigDef();
        int order = 0;
        d.define(URL, Type.STRING, ConfigDef.NO_DEFAULT_VALUE, Validators.httpUrl(), Importance.HIGH,
                "Base URL of Alertmanager, e.g. http://alertmanager:9093; alerts are POSTed to {url}/api/v2/alerts.",
                ALERTMANAGER, ++order, Width.LONG, "Alertmanager URL");
        d.define(TIMEOUT_MS, Type.LONG, 10_000L, ConfigDef.Range.between(100, 300_000), Importance.MEDIUM,
                "Connect and request timeout of each HTTP call.",
                ALERTMANAGER, ++order, Width.SHORT, "HTTP timeout (ms)");
        d.define(RESEND_MS, Type.LONG, 60_000L, ConfigDef.Range.atLeast(0), Importance.MEDIUM,
                "Firing alerts this task delivered are sent again this often, as Prometheus does, because"
                        + " Alertmanager resolves an alert it has not heard of for resolve_timeout. 0 disables resending.",
                ALERTMANAGER, ++order, Width.SHORT, "Resend interval (ms)");
        order = 0;
        d.define(MAX_ATTEMPTS, Type.INT, 5, ConfigDef.Range.between(1, 100), Importance.MEDIUM,
                "Attempts per alert when Alertmanager is unreachable or answers 429 or 5xx. An alert still not"
                        + " delivered, or one Alertmanager rejects with another 4xx, goes to the errant-record reporter"
                        + " (errors.tolerance=all with errors.deadletterqueue.topic.name); without one the task fails.",
                RETRIES, ++order, Width.SHORT, "Attempts");
        d.define(BACKOFF_INITIAL_MS, Type.LONG, 200L, ConfigDef.Range.between(1, 600_000), Importance.LOW,
                "Wait before the second attempt.",
                RETRIES, ++order, Width.SHORT, "Initial backoff (ms)");
        d.define(BACKOFF_MAX_MS, Type.LONG, 10_000L, ConfigDef.Range.between(1, 3_600_000), Importance.LOW,
                "Longest wait between two attempts.",
                RETRIES, ++order, Width.SHORT, "Maximum backoff (ms)");
        d.define(BACKOFF_MULTIPLIER, Type.DOUBLE, 2.0, ConfigDef.Range.between(1.0, 10.0), Importance.LOW,
                "Each wait is the previous one times this, up to the maximum.",
                RETRIES, ++order, Width.SHORT, "Backoff multiplier");
        return d;
    }

    public URI url() {
        return URI.create(getString(URL).trim());
    }

    public Duration timeout() {
        return Duration.ofMillis(getLong(TIMEOUT_MS));
    }

    public Duration resendInterval() {
        return Duration.ofMillis(getLong(RESEND_MS));
    }

    public Backoff backoff() {
        return new Backoff(getInt(MAX_ATTEMPTS), Duration.ofMillis(getLong(BACKOFF_INITIAL_MS)),
                Duration.ofMillis(getLong(BACKOFF_MAX_MS)), getDouble(BACKOFF_MULTIPLIER));
    }
}
