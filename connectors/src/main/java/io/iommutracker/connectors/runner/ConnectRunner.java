package io.iommutracker.connectors.runner;

import io.iommutracker.connectors.sink.AlertSinkConnector;
import io.iommutracker.connectors.sink.AlertSinkConnectorConfig;
import io.iommutracker.connectors.source.TelemetrySourceConnector;
import io.iommutracker.connectors.source.TelemetrySourceConnectorConfig;
import io.iommutracker.schemas.Topics;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.connect.cli.ConnectStandalone;
import org.apache.kafka.connect.converters.ByteArrayConverter;
import org.apache.kafka.connect.runtime.Connect;
import org.apache.kafka.connect.runtime.Herder;
import org.apache.kafka.connect.runtime.rest.entities.ConnectorInfo;
import org.apache.kafka.connect.runtime.rest.entities.ConnectorStateInfo;
import org.apache.kafka.connect.runtime.standalone.StandaloneHerder;
import org.apache.kafka.connect.storage.StringConverter;
import org.apache.kafka.connect.util.FutureCallback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An in-process standalone Connect worker running the telemetry source on a spool directory and, when an Alertmanager
 * URL is given, the alert sink. Offsets live in {@code <workDir>/connect.offsets}, so a runner started again on the same
 * directory resumes where the last one stopped. Used by {@code iommu-tracker demo} and by the connector tests.
 */
public final class ConnectRunner implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ConnectRunner.class);
    public static final String SOURCE_NAME = "telemetry-source";
    public static final String SINK_NAME = "alert-sink";
    public static final String ALERTS_DLQ = "iommu.alerts.dlq";

    /**
     * @param spoolDir         where captures are dropped (created if missing)
     * @param alertmanagerUrl  the sink runs only when present
     * @param restListener     the worker's REST listener; port 0 picks a free one
     * @param offsetFlush      how often source offsets are committed
     */
    public record Options(String bootstrapServers, Path workDir, Path spoolDir, Optional<URI> alertmanagerUrl,
                          String telemetryTopic, String alertsTopic, String alertsDlqTopic, String restListener,
                          Duration offsetFlush) {

        public Options {
            Objects.requireNonNull(bootstrapServers, "bootstrapServers");
            Objects.requireNonNull(workDir, "workDir");
            Objects.requireNonNull(spoolDir, "spoolDir");
            Objects.requireNonNull(alertmanagerUrl, "alertmanagerUrl");
        }

        /** Defaults: spool under workDir, the registry's topics, REST on a free loopback port, 1 s offset flush. */
        public static Options of(String bootstrapServers, Path workDir, Optional<URI> alertmanagerUrl) {
            return new Options(bootstrapServers, workDir, workDir.resolve("spool"), alertmanagerUrl,
                    Topics.TELEMETRY.name(), Topics.ALERTS.name(), ALERTS_DLQ, "http://127.0.0.1:0", Duration.ofSeconds(1));
        }

        public Options withSpoolDir(Path p) {
            return new Options(bootstrapServers, workDir, p, alertmanagerUrl, telemetryTopic, alertsTopic, alertsDlqTopic,
                    restListener, offsetFlush);
        }

        public Options withTopics(String telemetry, String alerts, String alertsDlq) {
            return new Options(bootstrapServers, workDir, spoolDir, alertmanagerUrl, telemetry, alerts, alertsDlq,
                    restListener, offsetFlush);
        }
    }

    private final Options options;
    private final Connect<StandaloneHerder> connect;

    private ConnectRunner(Options options, Connect<StandaloneHerder> connect) {
        this.options = options;
        this.connect = connect;
    }

    /** Starts the worker and submits the connectors; a connector config the worker rejects fails here, naming the option. */
    public static ConnectRunner start(Options o) {
        try {
            Files.createDirectories(o.workDir());
            Files.createDirectories(o.spoolDir());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Connect<StandaloneHerder> connect = new ConnectStandalone().startConnect(workerProps(o));
        ConnectRunner r = new ConnectRunner(o, connect);
        try {
            r.putConnector(SOURCE_NAME, sourceConfig(o));
            if (o.alertmanagerUrl().isPresent()) {
                r.putConnector(SINK_NAME, sinkConfig(o));
            }
        } catch (RuntimeException e) {
            r.close();
            throw e;
        }
        log.info("Connect worker up: {} on spool {}{}", SOURCE_NAME, o.spoolDir(),
                o.alertmanagerUrl().map(u -> ", " + SINK_NAME + " to " + u).orElse(" (no Alertmanager: no alert sink)"));
        return r;
    }

    public static Map<String, String> workerProps(Options o) {
        Map<String, String> w = new HashMap<>();
        w.put("bootstrap.servers", o.bootstrapServers());
        w.put("key.converter", StringConverter.class.getName());
        w.put("value.converter", ByteArrayConverter.class.getName());
        w.put("offset.storage.file.filename", o.workDir().resolve("connect.offsets").toString());
        w.put("offset.flush.interval.ms", String.valueOf(o.offsetFlush().toMillis()));
        w.put("plugin.discovery", "service_load");
        w.put("listeners", o.restListener());
        return w;
    }

    public static Map<String, String> sourceConfig(Options o) {
        Map<String, String> c = new HashMap<>();
        c.put("connector.class", TelemetrySourceConnector.class.getName());
        c.put("tasks.max", "1");
        c.put("key.converter", StringConverter.class.getName());
        c.put("value.converter", ByteArrayConverter.class.getName());
        c.put(TelemetrySourceConnectorConfig.SPOOL_DIR, o.spoolDir().toAbsolutePath().toString());
        c.put(TelemetrySourceConnectorConfig.TOPIC, o.telemetryTopic());
        return c;
    }

    public static Map<String, String> sinkConfig(Options o) {
        Map<String, String> c = new HashMap<>();
        c.put("connector.class", AlertSinkConnector.class.getName());
        c.put("tasks.max", "1");
        c.put("topics", o.alertsTopic());
        c.put("key.converter", StringConverter.class.getName());
        c.put("value.converter", ByteArrayConverter.class.getName());
        c.put(AlertSinkConnectorConfig.URL, o.alertmanagerUrl().orElseThrow().toString());
        c.put("errors.tolerance", "all");
        c.put("errors.log.enable", "true");
        c.put("errors.deadletterqueue.topic.name", o.alertsDlqTopic());
        c.put("errors.deadletterqueue.topic.replication.factor", "1");
        c.put("errors.deadletterqueue.context.headers.enable", "true");
        return c;
    }

    /** Creates or replaces a connector; a config that fails validation throws with the worker's message. */
    public ConnectorInfo putConnector(String name, Map<String, String> config) {
        Map<String, String> named = new HashMap<>(config);
        named.put("name", name);
        FutureCallback<Herder.Created<ConnectorInfo>> cb = new FutureCallback<>();
        connect.herder().putConnectorConfig(name, named, true, cb);
        try {
            return cb.get(60, TimeUnit.SECONDS).result();
        } catch (ExecutionException e) {
            throw new IllegalArgumentException("connector " + name + " rejected: " + e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException("connector " + name + " not created within 60 s", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    public ConnectorStateInfo status(String name) {
        return connect.herder().connectorStatus(name);
    }

    public URI restUrl() {
        return connect.rest().advertisedUrl();
    }

    public Options options() {
        return options;
    }

    /** Stops the worker; source offsets are flushed on the way down. */
    @Override
    public void close() {
        connect.stop();
        connect.awaitStop();
    }
}
