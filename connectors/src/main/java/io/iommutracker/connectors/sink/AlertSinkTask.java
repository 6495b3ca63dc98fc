package io.iommutracker.connectors.sink;

import io.iommutracker.avro.Alert;
import io.iommutracker.avro.AlertStatus;
import io.iommutracker.connectors.Version;
import io.iommutracker.schemas.Topics;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.errors.RetriableException;
import org.apache.kafka.connect.sink.ErrantRecordReporter;
import org.apache.kafka.connect.sink.SinkRecord;
import org.apache.kafka.connect.sink.SinkTask;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends each alert record to Alertmanager, one request per record so that one rejected alert cannot hold back the
 * others. What cannot be decoded or delivered goes to the errant-record reporter (the DLQ); a tombstone (compaction of
 * iommu.alerts) is skipped.
 */
public final class AlertSinkTask extends SinkTask {

    private static final Logger log = LoggerFactory.getLogger(AlertSinkTask.class);

    private AlertmanagerClient client;
    private ErrantRecordReporter reporter;
    private Duration resend;
    /** Alerts this task delivered as firing and has not seen resolve, by fingerprint: what it resends. */
    private final Map<String, Alert> firing = new LinkedHashMap<>();
    private long lastResend;

    @Override
    public String version() {
        return Version.get();
    }

    @Override
    public void start(Map<String, String> props) {
        AlertSinkConnectorConfig c = new AlertSinkConnectorConfig(props);
        client = new AlertmanagerClient(c.url(), c.timeout(), c.backoff());
        resend = c.resendInterval();
        lastResend = System.currentTimeMillis();
        try {
            reporter = context.errantRecordReporter();
        } catch (NoSuchMethodError | NoClassDefFoundError e) {
            reporter = null; // a worker older than Kafka 2.6
        }
        log.info("alert sink posts to {} (errant-record reporter {})", client.endpoint(),
                reporter == null ? "off: undeliverable alerts fail the task" : "on");
    }

    @Override
    public void put(Collection<SinkRecord> records) {
        for (SinkRecord r : records) {
            if (r.value() == null) {
                continue;
            }
            Alert alert;
            try {
                alert = decode(r);
            } catch (SerializationException | DataException e) {
                undeliverable(r, new DataException("cannot decode the alert at " + r.topic() + "-" + r.kafkaPartition()
                        + "@" + r.kafkaOffset() + ": " + e.getMessage(), e));
                continue;
            }
            try {
                client.post(List.of(alert));
                if (alert.getStatus() == AlertStatus.FIRING) {
                    firing.put(alert.getFingerprint(), alert);
                } else {
                    firing.remove(alert.getFingerprint());
                }
            } catch (AlertmanagerClient.DeliveryException e) {
                undeliverable(r, e.retriable() ? new RetriableException(e.getMessage(), e) : new ConnectException(e.getMessage(), e));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new RetriableException("interrupted while delivering alerts", e);
            }
        }
        resendIfDue();
    }

    private static Alert decode(SinkRecord r) {
        byte[] bytes;
        if (r.value() instanceof byte[] b) {
            bytes = b;
        } else if (r.value() instanceof ByteBuffer bb) {
            bytes = new byte[bb.remaining()];
            bb.duplicate().get(bytes);
        } else {
            throw new DataException("value is a " + r.value().getClass().getName()
                    + ", not bytes: configure value.converter=org.apache.kafka.connect.converters.ByteArrayConverter");
        }
        return Topics.ALERTS.valueSerde().deserializer().deserialize(r.topic(), bytes);
    }

    private void undeliverable(SinkRecord r, RuntimeException e) {
        if (reporter == null) {
            throw e instanceof ConnectException ce ? ce : new ConnectException(e.getMessage(), e);
        }
        log.warn("alert record {}-{}@{} goes to the dead letter queue: {}", r.topic(), r.kafkaPartition(), r.kafkaOffset(),
                e.getMessage());
        reporter.report(r, e);
    }

    /** Keeps delivered firing alerts alive in Alertmanager; a failure here is logged, the next resend tries again. */
    private void resendIfDue() {
        long now = System.currentTimeMillis();
        if (resend.isZero() || firing.isEmpty() || now - lastResend < resend.toMillis()) {
            return;
        }
        lastResend = now;
        try {
            client.post(firing.values());
        } catch (AlertmanagerClient.DeliveryException e) {
            log.warn("resending {} firing alert(s) failed: {}", firing.size(), e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void stop() {
        firing.clear();
    }
}
