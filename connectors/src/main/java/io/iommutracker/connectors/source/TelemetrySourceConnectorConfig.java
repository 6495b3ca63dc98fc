package io.iommutracker.connectors.source;

import io.iommutracker.connectors.config.Validators;
import io.iommutracker.schemas.Topics;
import java.nio.file.Path;
import java.util.Map;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigDef.Width;

/** Options of the telemetry source connector; CONFIG.md is generated from {@link #configDef()}. */
public final class TelemetrySourceConnectorConfig extends AbstractConfig {

    private static final String SPOOL = "Spool";
    private static final String OUTPUT = "Output";

    public static final String SPOOL_DIR = "spool.dir";
    public static final String SETTLE_MS = "spool.settle.ms";
    public static final String POLL_INTERVAL_MS = "poll.interval.ms";
    public static final String MAX_CAPTURES = "max.captures.per.poll";
    public static final String TOPIC = "topic";
    public static final String EVENT_SOURCE = "event.source";

    /** Set by the connector on each task: which share of the hosts the task owns. */
    static final String TASK_INDEX = "task.index";
    static final String TASK_COUNT = "task.count";

    public TelemetrySourceConnectorConfig(Map<?, ?> props) {
        super(configDef(), props);
    }

    public static ConfigDef configDef() {
        int order = 0;
        ConfigDef d = new ConfigDef();
        d.define(SPOOL_DIR, Type.STRING, ConfigDef.NO_DEFAULT_VALUE, Validators.writableDirectory(), Importance.HIGH,
                "Directory where hosts or a fleet collector drop captures: `lspci -vvnn` text, a sysfs capture directory"
                        + " (a root holding sys/bus/pci/devices/*) or a tar of one. An entry is named"
                        + " <hostId>__<time>__<anything>, time in epoch milliseconds or ISO-8601 with offset; entries"
                        + " with the same host and time form one capture. Write under a name starting with '.' or ending"
                        + " in .tmp/.part and rename when complete. Read captures move to done/, unreadable ones to"
                        + " failed/ with a .reason file; .state/ keeps each host's last snapshot.",
                SPOOL, ++order, Width.LONG, "Spool directory");
        d.define(SETTLE_MS, Type.LONG, 2000L, ConfigDef.Range.atLeast(0), Importance.MEDIUM,
                "A capture is read only when none of its entries changed for this long, so that all files of a"
                        + " capture are there.",
                SPOOL, ++order, Width.SHORT, "Settle time (ms)");
        d.define(POLL_INTERVAL_MS, Type.LONG, 1000L, ConfigDef.Range.between(10, 3_600_000), Importance.MEDIUM,
                "How long to wait before looking at the spool again when it held nothing new.",
                SPOOL, ++order, Width.SHORT, "Poll interval (ms)");
        d.define(MAX_CAPTURES, Type.INT, 16, ConfigDef.Range.atLeast(1), Importance.LOW,
                "At most this many captures are read per poll.",
                SPOOL, ++order, Width.SHORT, "Captures per poll");
        order = 0;
        d.define(TOPIC, Type.STRING, Topics.TELEMETRY.name(), Validators.topicName(), Importance.HIGH,
                "Topic the PciEvents go to (key = host id, value = Avro single-object encoded PciEvent; use"
                        + " StringConverter for keys and ByteArrayConverter for values).",
                OUTPUT, ++order, Width.MEDIUM, "Topic");
        d.define(EVENT_SOURCE, Type.STRING, "", Importance.LOW,
                "The PciEvent.source of every event; empty means the connector's name.",
                OUTPUT, ++order, Width.MEDIUM, "Event source");
        d.defineInternal(TASK_INDEX, Type.INT, 0, Importance.LOW);
        d.defineInternal(TASK_COUNT, Type.INT, 1, Importance.LOW);
        return d;
    }

    public Path spoolDir() {
        return Path.of(getString(SPOOL_DIR));
    }

    public long settleMillis() {
        return getLong(SETTLE_MS);
    }

    public long pollIntervalMillis() {
        return getLong(POLL_INTERVAL_MS);
    }

    public int maxCapturesPerPoll() {
        return getInt(MAX_CAPTURES);
    }

    public String topic() {
        return getString(TOPIC);
    }

    public String eventSource(String connectorName) {
        String s = getString(EVENT_SOURCE);
        return s.isBlank() ? connectorName : s;
    }

    int taskIndex() {
        return getInt(TASK_INDEX);
    }

    int taskCount() {
        return getInt(TASK_COUNT);
    }
}
