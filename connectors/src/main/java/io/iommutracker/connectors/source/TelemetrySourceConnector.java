package io.iommutracker.connectors.source;

import io.iommutracker.connectors.Version;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.connect.connector.Task;
import org.apache.kafka.connect.source.ExactlyOnceSupport;
import org.apache.kafka.connect.source.SourceConnector;

/**
 * Turns host captures dropped in a spool directory into PciEvents: a host's first capture becomes a HostSnapshot,
 * every later one the fine-grained events of its diff against the previous one. Hosts are shared among tasks by hash.
 */
public final class TelemetrySourceConnector extends SourceConnector {

    private Map<String, String> props;

    @Override
    public String version() {
        return Version.get();
    }

    @Override
    public void start(Map<String, String> props) {
        new TelemetrySourceConnectorConfig(props);
        this.props = Map.copyOf(props);
    }

    @Override
    public Class<? extends Task> taskClass() {
        return TelemetrySourceTask.class;
    }

    @Override
    public List<Map<String, String>> taskConfigs(int maxTasks) {
        List<Map<String, String>> out = new ArrayList<>();
        for (int i = 0; i < maxTasks; i++) {
            Map<String, String> m = new HashMap<>(props);
            m.put(TelemetrySourceConnectorConfig.TASK_INDEX, String.valueOf(i));
            m.put(TelemetrySourceConnectorConfig.TASK_COUNT, String.valueOf(maxTasks));
            out.add(m);
        }
        return out;
    }

    @Override
    public void stop() {
    }

    @Override
    public ConfigDef config() {
        return TelemetrySourceConnectorConfig.configDef();
    }

    /** Offsets name the last capture of each host and the events are a pure function of the captures. */
    @Override
    public ExactlyOnceSupport exactlyOnceSupport(Map<String, String> connectorConfig) {
        return ExactlyOnceSupport.SUPPORTED;
    }
}
